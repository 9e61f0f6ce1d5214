import { describe, expect, it, vi } from 'vitest';
import { decodeEntities, htmlToText, renderHtml } from '../../src/message/html.js';
import { Message } from '../../src/message/message.js';
import { decodeCharset, decodeQuotedPrintable, decodeTransfer, decodeWords, parseContentType } from '../../src/message/mime.js';
import { messageFromRaw } from '../../src/message/parse.js';
import { MAX_MIME_DEPTH, headerTextOf, rawTextOf, textOf } from '../../src/message/text.js';

const limits = { maxScanBytes: 4 << 20, maxHeaders: 1000 };
const eml = (text: string) => messageFromRaw(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1'), limits);
const b64 = (s: string) => Buffer.from(s).toString('base64').replace(/.{76}/g, '$&\n');

describe('mime primitives', () => {
  it('parses Content-Type with quoted and RFC 2231 parameters', () => {
    const ct = parseContentType('Multipart/Alternative;\r\n\tboundary="a;b \\"c\\""; charset*=utf-8\'\'%C3%A9t%C3%A9');
    expect(ct.type).toBe('multipart/alternative');
    expect(ct.params.get('boundary')).toBe('a;b "c"');
    expect(ct.params.get('charset')).toBe('été');
    expect(parseContentType(undefined).type).toBe('text/plain');
    expect(parseContentType('garbage').type).toBe('text/plain');
  });

  it('decodes quoted-printable: bytes, soft breaks with padding, stray = kept', () => {
    const qp = Buffer.from('caf=C3=A9 =\r\nau lait=  \nnow = 3 =ZZ');
    expect(decodeQuotedPrintable(qp).toString('utf8')).toBe('café au laitnow = 3 =ZZ');
  });

  it('quoted-printable: a lone = ending the part is a soft break, not text (mailparser reference)', () => {
    expect(decodeTransfer(Buffer.from('set the time='), 'quoted-printable')).toEqual({ bytes: Buffer.from('set the time'), malformed: false });
  });

  it('quoted-printable: white space ending a line is transport padding and goes (RFC 2045 6.7 (3), mailparser reference)', () => {
    const qp = Buffer.from('you last \t\r\n\r\n-- \nkept=20\nend  ');
    expect(decodeTransfer(qp, 'quoted-printable').bytes.toString()).toBe('you last\r\n\r\n--\nkept \nend');
    expect(decodeTransfer(Buffer.from('no padding\r\n'), 'quoted-printable').bytes.toString()).toBe('no padding\r\n');
  });

  it('decodes iso-8859-1 and windows-1252 as windows-1252: curly quotes, dashes and the euro sign (mailparser reference)', () => {
    const bytes = Buffer.from([0x93, 0x41, 0x94, 0x20, 0x96, 0x20, 0x80, 0x35, 0x20, 0x92, 0xe9, 0x81]);
    for (const label of ['iso-8859-1', 'windows-1252', 'latin1', 'cp1252']) {
      expect(decodeCharset(bytes, label)).toBe('\u201cA\u201d \u2013 \u20ac5 \u2019\u00e9\u0081');
    }
    expect(decodeWords('=?iso-8859-1?Q?don=92t?=')).toBe('don\u2019t');
  });

  it('decodes charsets, and unknown ones as UTF-8', () => {
    expect(decodeCharset(Buffer.from([0xe9, 0x74, 0xe9]), 'ISO-8859-1')).toBe('été');
    expect(decodeCharset(Buffer.from([0xcf, 0xf0, 0xe8]), 'windows-1251')).toBe('При');
    expect(decodeCharset(Buffer.from('été'), 'x-no-such-charset')).toBe('été');
    expect(decodeCharset(Buffer.from('été'), 'us-ascii')).toBe('été');
  });

  it('decodes RFC 2047 words, joining adjacent ones, and unfolds', () => {
    expect(decodeWords('=?utf-8?B?VklBR1JB?= =?iso-8859-1?Q?_pas_ch=E8re?=\r\n tonight')).toBe('VIAGRA pas chère tonight');
    expect(decodeWords('plain =? not a word ?=')).toBe('plain =? not a word ?=');
  });
});

describe('htmlToText', () => {
  it('drops tags, script, style and comments; inline tags do not split words', () => {
    const html = '<html><head><style>p{color:red}</style><script type="x">var a="<p>";</script></head>'
      + '<body><p>Cheap <b>vi</b>agra<!-- hidden --></p><div title="a>b">now</div><SCRIPT>x</SCRIPT></body></html>';
    expect(htmlToText(html).trim().split(/\s+/)).toEqual(['Cheap', 'viagra', 'now']);
  });

  it('leaves out the <title>, which no mail client shows, wherever it stands; keeps the first one and image alt texts apart', () => {
    const html = '<html><head><title>Re: &quot;lunch&quot;</title></head><body><p>Cheap pills</p>'
      + '<img src="a.gif" alt="Buy &amp; save"><img src="b.gif"><title>A long novel about the war</title></body></html>';
    const view = renderHtml(html, 10);
    expect(view.text.trim().split(/\s+/)).toEqual(['Cheap', 'pills']);
    expect(view.title).toBe('Re: "lunch"');
    expect(view.alts).toEqual(['Buy & save']);
    expect(view.images).toBe(2);
  });

  it('decodes entities and keeps a lone <', () => {
    expect(decodeEntities('&lt;b&gt; caf&eacute; &#233;&#xE9; &nosuch; &amp')).toBe('<b> café éé &nosuch; &amp');
    expect(htmlToText('1 < 2 &amp;&amp; 3')).toBe('1 < 2 && 3');
  });

  it('a stray quote outside an attribute value does not hide the text after it', () => {
    expect(htmlToText("<p x=a'b>viagra</p>")).toContain('viagra');
  });

  it('stays linear on hostile markup', () => {
    for (const html of ['&'.repeat(200_000), '<a '.repeat(100_000), '<script>'.repeat(50_000), '<p title="'.repeat(50_000)]) {
      const started = performance.now();
      htmlToText(html);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });
});

describe('textOf', () => {
  it('decodes a base64 text/plain part and collapses white space', () => {
    const m = eml(`Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${b64('Dear  winner,\nyou have\nwon!\n\nClaim\u200b now.')}\n`);
    expect(textOf(m)).toBe('Dear winner, you have won!\nClaim now.');
  });

  it('reads every text part of a multipart/alternative, HTML without tags, attachments skipped', () => {
    const m = eml([
      'Content-Type: multipart/mixed; boundary="outer"', '', 'preamble', '--outer',
      'Content-Type: multipart/alternative; boundary=inner', '', '--inner',
      'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '',
      'Caf=E9 offer', '--inner', 'Content-Type: text/html', '', '<p>Big <i>prize</i></p>', '--inner--',
      '--outer', 'Content-Type: text/plain', 'Content-Disposition: attachment; filename=log.txt', '', 'attached text',
      '--outer', 'Content-Type: message/rfc822', '', 'Subject: inner', '', 'forwarded words', '--outer--', 'epilogue',
    ].join('\n'));
    expect(textOf(m)).toBe('Café offer\nBig prize\nforwarded words');
  });

  it('a multipart without a closing delimiter or without a boundary still gives its text', () => {
    expect(textOf(eml('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\ncut off here'))).toBe('cut off here');
    expect(textOf(eml('Content-Type: multipart/mixed\n\nno boundary at all'))).toBe('no boundary at all');
  });

  it('stops following nested multiparts at MAX_MIME_DEPTH', () => {
    let body = 'Content-Type: text/plain\n\ndeep text';
    for (let i = 0; i <= MAX_MIME_DEPTH + 2; i++) body = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${body}\n--b${i}--`;
    const started = performance.now();
    expect(textOf(eml(body))).toBe('');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('is computed once per message and shared', () => {
    const m = eml('Subject: x\n\nhello');
    const first = textOf(m);
    expect(textOf(m)).toBe(first);
    const spy = vi.spyOn(m, 'body', 'get');
    textOf(m);
    expect(spy).not.toHaveBeenCalled();
  });

  it('falls back to the raw body, and logs, when decoding throws', () => {
    const m = new Message(limits);
    m.addHeader('Content-Type', 'text/plain');
    m.addBody(Buffer.from('raw  words'));
    // A header list that throws when read stands in for any unforeseen decoding failure.
    Object.defineProperty(m, 'headers', { get: () => { throw new Error('boom'); } });
    const warn = vi.fn();
    expect(textOf(m, { warn })).toBe('raw words');
    expect(warn).toHaveBeenCalledWith({ err: 'boom' }, expect.stringContaining('raw body'));
    expect(rawTextOf(m)).toBe('raw  words');
  });

  it('headerTextOf decodes every field of a name', () => {
    const m = eml('Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\nsubject: two\n\nx');
    expect(headerTextOf(m, 'SUBJECT')).toEqual(['Grüße', 'two']);
  });
});
