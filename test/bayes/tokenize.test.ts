import { describe, expect, it } from 'vitest';
import { messageIdShape } from '../../src/bayes/header-tokens.js';
import { MAX_TOKENS, tokenize } from '../../src/bayes/tokenize.js';
import { messageFromRaw } from '../../src/message/parse.js';

const limits = { maxScanBytes: 1 << 22, maxHeaders: 1000 };
const msg = (text: string) => messageFromRaw(Buffer.from(text), limits);

describe('tokenize', () => {
  it('takes lower-cased words and adjacent word pairs of the decoded text', () => {
    const tokens = tokenize(msg('Subject: x\n\nBuy CHEAP Pills now'));
    expect(tokens).toEqual(expect.arrayContaining(['buy', 'cheap', 'pills', 'now', 'buy cheap', 'cheap pills', 'pills now']));
    expect(tokens).not.toContain('Buy');
  });

  it('reads decoded text: quoted-printable, base64, HTML without its tags', () => {
    const raw = [
      'Content-Type: multipart/alternative; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=C3=BC=C3=9Fe aus M=C3=BCnchen',
      '--b',
      'Content-Type: text/html',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('<p>Click <a href="http://login.evil.example.co.uk/x">here</a></p>').toString('base64'),
      '--b--',
    ].join('\n');
    const tokens = tokenize(msg(raw));
    expect(tokens).toEqual(expect.arrayContaining(['grüße', 'münchen', 'click', 'here']));
    expect(tokens).not.toContain('href');
    expect(tokens).not.toContain('p');
  });

  it('takes the HTML title and image alt texts as prefixed tokens, not as body words', () => {
    const tokens = tokenize(msg([
      'Content-Type: text/html',
      '',
      '<title>Weekly Reseller News</title><p>Hello</p><img src="x.gif" alt="Cheap Meds">',
    ].join('\n')));
    expect(tokens).toEqual(expect.arrayContaining(['t:weekly', 't:reseller', 't:news', 'alt:cheap', 'alt:meds', 'hello']));
    expect(tokens).not.toContain('weekly');
    expect(tokens).not.toContain('cheap');
  });

  it('prefixes selected header fields: Subject, From display name, Reply-To domain, Content-Type, charset, mailer', () => {
    const tokens = tokenize(msg([
      'Subject: =?utf-8?B?' + Buffer.from('Gewinn sofort').toString('base64') + '?=',
      'From: "Lottery Office" <win@lottery.example>',
      'Reply-To: claims@mail.payout.example.com',
      'Content-Type: text/plain; charset="KOI8-R"',
      'X-Mailer: Microsoft Outlook Express 6.00',
      '',
      'body',
    ].join('\n')));
    expect(tokens).toEqual(expect.arrayContaining([
      's:gewinn', 's:sofort', 'f:lottery', 'f:office', 'rt:example.com', 'ct:text/plain', 'cs:koi8-r', 'xm:microsoft', 'xm:outlook',
    ]));
  });

  it('drops a filter\'s spam tag and e-mail addresses from the subject', () => {
    const subjects = (subject: string) => tokenize(msg(`Subject: ${subject}\n\nx`)).filter((t) => t.startsWith('s:'));
    expect(subjects('[SPAM]  75% OFF to jane@example.org today')).toEqual(['s:75', 's:off', 's:to', 's:today']);
    expect(subjects('***SPAM*** {Spam?} Cheap')).toEqual(['s:cheap']);
    expect(subjects('Re: spam filters')).toEqual(['s:re', 's:spam', 's:filters']);
  });

  it('never reads routing, list, client-storage or earlier-filter headers (corpus artefacts)', () => {
    const artefacts = [
      'To: zzzz@spamassassin.taint.org',
      'Cc: jose@monkey.org',
      'Delivered-To: phishing@pot',
      'Received: from relay.csmining.org by mx',
      'Return-Path: <bounce@lfdr.de>',
      'List-Id: <ksummit.lists.linux.dev>',
      'X-Spam-Status: Yes, score=15',
      'X-Spam-Flag: YES',
      'X-Microsoft-Antispam: BCL:9',
      'X-MS-Exchange-Organization-SCL: 9',
      'X-Forefront-Antispam-Report: SFV:SPM',
      'X-Account-Key: account5',
      'X-UIDL: 12345',
      'X-Mozilla-Status: 0001',
      'X-Virus-Scanned: amavisd',
    ];
    const tokens = tokenize(msg(`${artefacts.join('\n')}\n\nplain words`));
    const joined = tokens.join(' ');
    for (const word of ['taint', 'zzzz', 'monkey', 'pot', 'csmining', 'lfdr', 'ksummit', 'score', 'bcl', 'scl', 'sfv', 'account5', '12345', '0001', 'amavisd', 'yes']) {
      expect(joined).not.toContain(word);
    }
    expect(tokens).toEqual(expect.arrayContaining(['plain', 'words']));
  });

  it('skips e-mail addresses in the text (quoted "x@y wrote:" lines)', () => {
    const tokens = tokenize(msg('Subject: t\n\nOn Monday zzzz@spamassassin.taint.org wrote: hello'));
    expect(tokens.join(' ')).not.toMatch(/zzzz|taint|spamassassin/);
    expect(tokens).toEqual(expect.arrayContaining(['monday', 'wrote', 'hello']));
  });

  it('adds link hosts and their registrable domains, from text and from HTML hrefs', () => {
    const tokens = tokenize(msg('Content-Type: text/html\n\n<a href="https://secure.paypa1.example.com/login">PayPal</a> see www.shop.example.co.uk'));
    expect(tokens).toEqual(expect.arrayContaining(['u:secure.paypa1.example.com', 'ud:example.com', 'u:shop.example.co.uk', 'ud:example.co.uk']));
  });

  it('reads hosts of hrefs and image sources from the decoded HTML: a quoted-printable soft break does not split them', () => {
    const tokens = tokenize(msg([
      'Content-Type: text/html',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<img src=3D"http://ww=',
      'w.images.example.net/a.gif"><a href=3D"http://click.example.org/x">here</a>',
    ].join('\n')));
    expect(tokens).toEqual(expect.arrayContaining(['u:images.example.net', 'ud:example.net', 'u:click.example.org']));
    expect(tokens.filter((t) => t.startsWith('u:'))).not.toContain('u:ww');
  });

  it('turns over-long runs into one length token, and CJK runs into character pairs', () => {
    const tokens = tokenize(msg(`Subject: t\n\n${'x'.repeat(45)} 免费发票代开`));
    expect(tokens).toContain('skip:x40');
    expect(tokens).toEqual(expect.arrayContaining(['免费', '费发', '代开']));
  });

  it('returns unique tokens, at most MAX_TOKENS for a huge message, quickly', () => {
    const words = Array.from({ length: 200_000 }, (_, i) => `w${i}`).join(' ');
    const started = performance.now();
    const tokens = tokenize(msg(`Subject: big\n\n${words} w1 w1`));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(tokens.length).toBe(MAX_TOKENS);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens[0]).toBe('s:big');
  });

  it('stays linear on hostile text: long runs without separators or @', () => {
    const hostile = `${'a.'.repeat(100_000)} ${'a'.repeat(100_000)}@ ${'-'.repeat(100_000)} http://${'a-'.repeat(50_000)}`;
    const started = performance.now();
    tokenize(msg(`Subject: t\n\n${hostile}`));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('messageIdShape', () => {
  it('keeps the form of the left-hand side and drops the host', () => {
    expect(messageIdShape('<Pine.LNX.4.44.0209181234560.1234-100000@host.example>')).toBe('Aa.A.9.9.9.9-9');
    expect(messageIdShape('<001c01c25f3a$a1b2c3d0$0200a8c0@pc>')).toBe('9a9a9a9a$a9a9a9a9$9a9a9');
    expect(messageIdShape(' <20020918200717.4A3FDEA27@zoo.example> ')).toBe('9.9A9A9');
    expect(messageIdShape('no-at-sign')).toBe('a-a-a');
    expect(messageIdShape(undefined)).toBe('none');
  });

  it('caps what it reads and what it keeps', () => {
    expect(messageIdShape(`<${'a1'.repeat(500)}@x>`)).toHaveLength(30);
  });

  it('is a token of the message, the same for two ids of one program', () => {
    const a = tokenize(messageFromRaw(Buffer.from('Message-ID: <20021001.AB12@a.example>\r\nSubject: x\r\n\r\nhello\r\n'), { maxScanBytes: 1 << 20, maxHeaders: 100 }));
    const b = tokenize(messageFromRaw(Buffer.from('Message-ID: <19990101.ZZ9@b.example>\r\nSubject: x\r\n\r\nhello\r\n'), { maxScanBytes: 1 << 20, maxHeaders: 100 }));
    expect(a).toContain('mid:9.A9');
    expect(b).toContain('mid:9.A9');
  });
});
