import { describe, expect, it } from 'vitest';
import { cleanForEval, stripArtefacts, toCrlf } from '../../src/eval/artefacts.js';

const artefacts = [
  'X-Spam-Status: Yes, score=12.1',
  'X-Spam-Flag: YES',
  'X-Microsoft-Antispam: BCL:0;',
  'X-Microsoft-Antispam-Message-Info: abc',
  'X-MS-Exchange-Organization-SCL: 9',
  'X-Forefront-Antispam-Report: CIP:1.2.3.4;SFV:SPM',
  'X-Virus-Scanned: amavisd-new',
  'X-Account-Key: account5',
  'X-UIDL: 1234abcd',
  'X-Mozilla-Status: 0001',
  'X-Mozilla-Status2: 00000000',
  'List-Id: <ksummit.lists.linux.dev>',
  'List-Unsubscribe: <mailto:x@example.org>',
  'x-spam-level: ****',
  'Received: from smtp.lfdr.de (smtp.lfdr.de [1.2.3.4])\n\tby mx.example.org',
];
const kept = [
  'Received: from mail.example.org (mail.example.org [192.0.2.1])\n\tby mx.example.net; Tue, 3 Jun 2025 10:00:00 +0000',
  'From: Alice <alice@example.org>',
  'X-Spammer-Tool: not an artefact prefix',
  'X-Mailer: Mozilla 4.7',
  'Listed: no',
  'X-MS-Has-Attach: yes',
  'Subject: \xe9t\xe9 8-bit',
];

const message = (headers: string[], body = 'X-Spam-Status: Yes (in the body, kept)\nbody\n') =>
  Buffer.from(`${headers.join('\n')}\n\n${body}`, 'latin1');

describe('stripArtefacts', () => {
  it('removes exactly the listed header fields, with their folded lines, and keeps every other byte', () => {
    const mixed = [kept[0]!, artefacts[0]!, kept[1]!, ...artefacts.slice(1), ...kept.slice(2)];
    const out = stripArtefacts(message(mixed)).toString('latin1');
    expect(out).toBe(message(kept).toString('latin1'));
  });

  it('removes each listed field on its own', () => {
    for (const field of artefacts) {
      expect(stripArtefacts(message([kept[1]!, field])).toString('latin1'), field).toBe(message([kept[1]!]).toString('latin1'));
    }
  });

  it('returns the very buffer when there is nothing to remove', () => {
    const raw = message(kept);
    expect(stripArtefacts(raw)).toBe(raw);
  });

  it('works with CRLF line ends and a message without a body', () => {
    const raw = Buffer.from('From: a@example.org\r\nX-Spam-Flag: YES\r\n  folded\r\nSubject: s\r\n');
    expect(stripArtefacts(raw).toString()).toBe('From: a@example.org\r\nSubject: s\r\n');
  });

  it('stays linear on a huge header without colons', () => {
    const raw = Buffer.from(`${'x'.repeat(200)}\n`.repeat(20000) + 'X-Spam-Flag: YES\n\nbody');
    const started = performance.now();
    expect(stripArtefacts(raw).toString().endsWith(`${'x'.repeat(200)}\n\nbody`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('toCrlf and cleanForEval', () => {
  it('turns bare LF into CRLF and leaves CRLF and bare CR alone', () => {
    expect(toCrlf(Buffer.from('a\nb\r\nc\rd\n\ne')).toString()).toBe('a\r\nb\r\nc\rd\r\n\r\ne');
    expect(toCrlf(Buffer.from('\n')).toString()).toBe('\r\n');
    const crlf = Buffer.from('a\r\nb\r\n');
    expect(toCrlf(crlf)).toBe(crlf);
  });

  it('strips unless artefacts are kept, and always ends lines with CRLF', () => {
    const raw = Buffer.from('From: a@example.org\nX-Spam-Flag: YES\n\nhi\n');
    expect(cleanForEval(raw, false).toString()).toBe('From: a@example.org\r\n\r\nhi\r\n');
    expect(cleanForEval(raw, true).toString()).toBe('From: a@example.org\r\nX-Spam-Flag: YES\r\n\r\nhi\r\n');
  });
});
