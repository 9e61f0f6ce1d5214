import { describe, expect, it, vi } from 'vitest';
import { detectKind } from '../../src/message/magic.js';
import { messageFromRaw } from '../../src/message/parse.js';
import { MAX_URLS, partsOf } from '../../src/message/parts.js';
import { textOf } from '../../src/message/text.js';
import { hostOf } from '../../src/message/urls.js';
import { MAX_ZIP_MEMBERS, zipMembers } from '../../src/message/zip.js';
import { buildZip, endRecord } from './build-zip.js';

const limits = { maxScanBytes: 4 << 20, maxHeaders: 1000 };
const eml = (text: string) => messageFromRaw(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1'), limits);
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64').replace(/.{76}/g, '$&\n');

/** A multipart/mixed message: a text part, then one base64 attachment per entry. */
function withAttachments(...files: { type: string; name?: string; disposition?: string; data: Buffer }[]) {
  const lines = ['From: a@example.org', 'Content-Type: multipart/mixed; boundary=sep', '', '--sep', 'Content-Type: text/plain', '', 'see attached'];
  for (const f of files) {
    lines.push('--sep', `Content-Type: ${f.type}${f.name ? `; name="${f.name}"` : ''}`, 'Content-Transfer-Encoding: base64');
    if (f.disposition) lines.push(`Content-Disposition: ${f.disposition}`);
    lines.push('', b64(f.data));
  }
  lines.push('--sep--', '');
  return eml(lines.join('\n'));
}

const PE = Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(200)]);

describe('partsOf: text and HTML', () => {
  it('splits plain and HTML parts and derives the text from the same walk', () => {
    const m = eml([
      'Content-Type: multipart/alternative; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'Hello plain',
      '--b', 'Content-Type: text/html; charset=utf-8', '', '<p>Hello <b>html</b><img src="x.png"></p>', '--b--',
    ].join('\n'));
    const parts = partsOf(m);
    expect(parts.plain).toEqual(['Hello plain']);
    expect(parts.html).toEqual(['<p>Hello <b>html</b><img src="x.png"></p>']);
    expect(parts.images).toBe(1);
    expect(parts.plainChars).toBe(10);
    expect(parts.htmlChars.visible).toBe(9);
    expect(parts.partCount).toBe(3);
    expect(parts.depth).toBe(1);
    expect(textOf(m)).toBe(parts.text);
    expect(parts.text).toBe('Hello plain\nHello html');
  });

  it('is computed once per message: a second call reads no body', () => {
    const m = eml('Content-Type: text/plain\n\nhello');
    const first = partsOf(m);
    const spy = vi.spyOn(m, 'body', 'get');
    expect(partsOf(m)).toBe(first);
    textOf(m);
    expect(spy).not.toHaveBeenCalled();
  });

  it('counts text hidden by style, colour and size apart from visible text', () => {
    const html = '<body bgcolor="#FFFFFF"><p>Visible words</p><div style="display: none">hidden1</div>'
      + '<span style="color:#fff">whiteonwhite</span><font color="white">fontwhite</font>'
      + '<td style="background:#000;color:#fff">readable</td><p style="font-size:1px">tinytext</p>'
      + '<div style="visibility:hidden"><b>nested</b></div>after</body>';
    const { htmlChars, text } = partsOf(eml(`Content-Type: text/html\n\n${html}`));
    expect(htmlChars).toEqual({
      visible: 'Visiblewords'.length + 'readable'.length + 'after'.length,
      invisible: 'hidden1whiteonwhitefontwhitenested'.length,
      tiny: 'tinytext'.length,
    });
    // The text is what a reader sees: hidden, same-coloured and tiny text are counted, not read.
    expect(text.replace(/\s+/g, ' ')).toBe('Visible words readable after');
  });

  it('reads rgb() and named colours, em and pt sizes, opacity, and the hidden attribute; background images hide nothing', () => {
    const html = '<div style="color: rgb(250, 250, 250) !important">a1</div><p hidden>b2</p><span style="opacity:0">c3</span>'
      + '<span style="font-size:0.1em">d4</span><span style="font-size:2pt">e5</span><td background="bg.jpg"><font color=white>f6</font></td>'
      + '<div style="background:url(x.png);color:#FFF">g7</div><span style="font-size:12px;color:navy">h8</span>';
    const { htmlChars } = partsOf(eml(`Content-Type: text/html\n\n${html}`));
    expect(htmlChars).toEqual({ visible: 6, invisible: 6, tiny: 4 });
  });
});

describe('partsOf: URLs', () => {
  it('finds links in text and anchors in HTML, with their display text', () => {
    const m = eml([
      'Content-Type: multipart/alternative; boundary=b', '', '--b', 'Content-Type: text/plain', '',
      'Go to https://Example.COM/a?b=1. Or www.shop.example.net, or http://10.0.0.1:8080/x',
      '--b', 'Content-Type: text/html', '',
      '<a href="https://www.paypal.com@evil.example/login">https://www.paypal.com/</a> <a href=\'mailto:x@y\'>mail</a>'
      + '<a href="//cdn.example.org/x">Click &amp; <b>go</b></a><a href="#top">top</a><a href="http://[2001:db8::1]/">v6</a>'
      + '<map><area shape="rect" coords="0,0,9,9" href="http://map.example/&amp;x"></map>',
      '--b--',
    ].join('\n'));
    expect(partsOf(m).urls).toEqual([
      { href: 'https://Example.COM/a?b=1', host: 'example.com', ip: false, from: 'text' },
      { href: 'www.shop.example.net', host: 'www.shop.example.net', ip: false, from: 'text' },
      { href: 'http://10.0.0.1:8080/x', host: '10.0.0.1', ip: true, from: 'text' },
      { href: 'https://www.paypal.com@evil.example/login', host: 'evil.example', ip: false, display: 'https://www.paypal.com/', from: 'html' },
      { href: '//cdn.example.org/x', host: 'cdn.example.org', ip: false, display: 'Click & go', from: 'html' },
      { href: 'http://[2001:db8::1]/', host: '2001:db8::1', ip: true, display: 'v6', from: 'html' },
      { href: 'http://map.example/&x', host: 'map.example', ip: false, display: '', from: 'html' },
    ]);
  });

  it('recognises numeric IPv4 hosts and backslash tricks', () => {
    expect(hostOf('http://3232235777/x')).toEqual({ name: '3232235777', ip: true });
    expect(hostOf('https:\\\\evil.example\\paypal.com')).toEqual({ name: 'evil.example', ip: false });
    expect(hostOf('javascript:alert(1)')).toBeUndefined();
    expect(hostOf('/relative')).toBeUndefined();
  });

  it(`keeps at most MAX_URLS (${MAX_URLS}) links`, () => {
    const text = Array.from({ length: MAX_URLS * 3 }, (_, i) => `http://h${i}.example/`).join(' ');
    expect(partsOf(eml(`Content-Type: text/plain\n\n${text}`)).urls).toHaveLength(MAX_URLS);
  });
});

describe('partsOf: attachments', () => {
  it('describes an attachment: decoded RFC 2231 name, declared and detected type, size', () => {
    const m = eml([
      'Content-Type: multipart/mixed; boundary=sep', '', '--sep', 'Content-Type: application/pdf',
      'Content-Transfer-Encoding: base64', "Content-Disposition: attachment; filename*0*=utf-8''R%C3%A9sum%C3%A9; filename*1=\".pdf\"; filename*2=\".exe\"",
      '', b64(PE), '--sep--',
    ].join('\n'));
    expect(partsOf(m).attachments).toEqual([{ filename: 'Résumé.pdf.exe', declaredType: 'application/pdf', detectedType: 'exe', size: PE.length }]);
  });

  it('lists zip members, tells Office Open XML from zip, and sees macros', () => {
    const zip = buildZip([{ name: 'docs/readme.txt' }, { name: 'run.exe', encrypted: true }]);
    const docx = buildZip([{ name: '[Content_Types].xml' }, { name: 'word/document.xml' }]);
    const docm = buildZip([{ name: '[Content_Types].xml' }, { name: 'word/vbaProject.bin' }]);
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(100), Buffer.from('_VBA_PROJECT', 'utf16le')]);
    const [a, b, c, d] = partsOf(withAttachments(
      { type: 'application/zip', name: 'a.zip', data: zip },
      { type: 'application/octet-stream', name: 'b.docx', data: docx },
      { type: 'application/octet-stream', name: 'c.docm', data: docm },
      { type: 'application/msword', name: 'd.doc', data: ole },
    )).attachments;
    expect(a).toMatchObject({ detectedType: 'zip', members: ['docs/readme.txt', 'run.exe'], encrypted: true });
    expect(b).toMatchObject({ detectedType: 'ooxml', members: ['[Content_Types].xml', 'word/document.xml'] });
    expect(b!.macros).toBeUndefined();
    expect(c).toMatchObject({ detectedType: 'ooxml', macros: true });
    expect(d).toMatchObject({ detectedType: 'ole2', macros: true });
  });

  it('counts image parts as images and attachments; an attached message is not read as text', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const m = withAttachments(
      { type: 'image/png', name: 'logo.png', disposition: 'inline', data: png },
      { type: 'message/rfc822', disposition: 'attachment', data: Buffer.from('Subject: inner\n\nsecret words') },
    );
    const parts = partsOf(m);
    expect(parts.images).toBe(1);
    expect(parts.attachments.map((a) => a.declaredType)).toEqual(['image/png', 'message/rfc822']);
    expect(parts.attachments[0]!.detectedType).toBe('png');
    expect(parts.text).toBe('see attached');
  });
});

describe('partsOf: structure (mailparser reference)', () => {
  it('a boundary that starts a nested one\'s is not its delimiter', () => {
    const m = eml([
      'Content-Type: multipart/related; boundary="=_Part"', '', '--=_Part', 'Content-Type: multipart/alternative; boundary="=_PartAA"', '',
      '--=_PartAA', 'Content-Type: text/html', '', '<p>only part</p>', '--=_PartAA--', '--=_Part--', '',
    ].join('\n'));
    const parts = partsOf(m);
    expect(parts.plain).toEqual([]);
    expect(parts.html).toEqual(['<p>only part</p>']);
    expect([...parts.defects]).toEqual([]);
  });

  it('a delimiter may carry transport padding', () => {
    const parts = partsOf(eml('Content-Type: multipart/mixed; boundary=b\n\n--b \t\nContent-Type: text/plain\n\nhi\n--b--\n'));
    expect(parts.plain).toEqual(['hi']);
  });

  it('a multipart\'s own transfer encoding is not applied: its parts are not decoded twice', () => {
    const m = eml([
      'Content-Type: multipart/alternative; boundary=b', 'Content-Transfer-Encoding: quoted-printable', '',
      '--b', 'Content-Type: text/html', 'Content-Transfer-Encoding: quoted-printable', '', '<body leftMargin=3D10 align=3Dcenter>', '--b--', '',
    ].join('\n'));
    expect(partsOf(m).html).toEqual(['<body leftMargin=10 align=center>']);
  });
});

describe('magic bytes', () => {
  it('knows the table', () => {
    const cases: [Buffer, string | undefined][] = [
      [PE, 'exe'],
      [Buffer.from('\x7fELF\x02\x01', 'latin1'), 'elf'],
      [Buffer.from('junk\n%PDF-1.7\n', 'latin1'), 'pdf'],
      [Buffer.from('Rar!\x1a\x07\x00', 'latin1'), 'rar'],
      [Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), '7z'],
      [Buffer.from([0x1f, 0x8b, 8, 0]), 'gzip'],
      [Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'jpeg'],
      [Buffer.from('GIF89a..', 'latin1'), 'gif'],
      [Buffer.from('\ufeff  <!DOCTYPE html><html>', 'utf8'), 'html'],
      [Buffer.from('#!/bin/sh\nrm -rf ~\n'), 'script'],
      [Buffer.from('just some text'), undefined],
      [Buffer.alloc(0), undefined],
    ];
    for (const [bytes, kind] of cases) expect(detectKind(bytes)).toBe(kind);
  });
});

describe('zip central directory', () => {
  it('finds the directory of a zip with bytes prepended (self-extractor)', () => {
    const zip = Buffer.concat([PE, buildZip([{ name: 'inner.exe' }])]);
    expect(zipMembers(zip)?.names).toEqual(['inner.exe']);
  });

  it(`reads at most MAX_ZIP_MEMBERS (${MAX_ZIP_MEMBERS}) entries, never past the buffer`, () => {
    const many = buildZip(Array.from({ length: MAX_ZIP_MEMBERS + 50 }, (_, i) => ({ name: `f${i}.txt` })));
    expect(zipMembers(many)?.names).toHaveLength(MAX_ZIP_MEMBERS);
    // An end record claiming 65,535 entries of a huge directory at a wild offset: nothing to read.
    const liar = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(40), endRecord(100_000, 0xfffffff0, 0xfffffff0)]);
    expect(zipMembers(liar)).toEqual({ names: [], encrypted: false });
    expect(zipMembers(Buffer.from('PK\x03\x04 truncated', 'latin1'))).toBeUndefined();
  });
});

describe('partsOf: defects', () => {
  const defects = (text: string) => [...partsOf(eml(text)).defects].sort();

  it('a clean message has none', () => {
    expect(defects('From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=iso-8859-1\n\nhi\n--b--\n')).toEqual([]);
  });

  it('names each kind of damage', () => {
    expect(defects('Content-Type: multipart/mixed\n\nno boundary')).toEqual(['bad-boundary']);
    expect(defects('Content-Type: multipart/mixed; boundary=zz\n\nnever used')).toEqual(['bad-boundary']);
    expect(defects('Content-Type: multipart/mixed; boundary=b\n\n--b\n\ncut off')).toEqual(['missing-close-boundary']);
    expect(defects('Content-Transfer-Encoding: base64\n\naGVsbG8*!d29ybGQ=\n')).toEqual(['bad-base64']);
    expect(defects('Content-Transfer-Encoding: base64\n\naGVsbG8=aGk=\n')).toEqual(['bad-base64']);
    expect(defects('Content-Transfer-Encoding: quoted-printable\n\n100% =ZZ off =\nsoft')).toEqual(['bad-quoted-printable']);
    expect(defects('Content-Type: text/plain; charset=x-klingon\n\nqapla')).toEqual(['unknown-charset']);
    expect(defects('Subject: nul\n\nbefore\0after')).toEqual(['nul-bytes']);
    expect(defects('Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n--b\n\nhi\n--b--\n')).toEqual(['encoded-multipart']);
    expect(defects('Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: 8bit\n\n--b\n\nhi\n--b--\n')).toEqual([]);
    const eightBit = messageFromRaw(Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\n\nbody')]), limits);
    expect([...partsOf(eightBit).defects]).toEqual(['8bit-header']);
  });
});
