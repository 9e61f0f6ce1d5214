import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { looksLikeMessage } from '../../src/message/looks-like-message.js';

const reasonOf = (text: string | Buffer) => {
  const shape = looksLikeMessage(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
  return shape.ok ? 'ok' : shape.reason;
};

describe('looksLikeMessage', () => {
  it('takes messages: CRLF or LF, a header block only, a leading mbox From line, folded first field', () => {
    expect(reasonOf('From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n')).toBe('ok');
    expect(reasonOf('Return-Path: <a@example.org>\nReceived: from x\n\tby y\n\nbody')).toBe('ok');
    expect(reasonOf('Subject: only headers\n')).toBe('ok');
    expect(reasonOf('From a@example.org Thu Jan  1 00:00:00 2026\nFrom: a@example.org\n\nbody\n')).toBe('ok');
    expect(reasonOf('X-Weird_Name.1 : value\n\n')).toBe('ok');
    // Binary in the body is a MIME matter (8BITMIME, BINARYMIME), not a reason to refuse.
    expect(reasonOf(Buffer.concat([Buffer.from('Subject: x\n\n'), Buffer.from([0, 1, 2, 0xff])]))).toBe('ok');
  });

  it('refuses an empty file', () => {
    expect(reasonOf('')).toMatch(/empty/);
  });

  it('refuses what does not start with a header field', () => {
    for (const text of [
      '\x7fELF\x02\x01\x01\0\0\0',
      '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n',
      '\x89PNG\r\n\x1a\n\0\0\0\rIHDR',
      'PK\x03\x04\x14\0\0\0',
      '{"key": 1}\n',
      'Hello,\n\nthis is a letter.\n',
      '\nSubject: after an empty line\n',
      ' Subject: continuation first\n',
      'From a@example.org Thu Jan  1 00:00:00 2026\nno header here\n',
    ]) {
      expect(reasonOf(text), JSON.stringify(text)).toMatch(/does not start with a header field/);
    }
    expect(reasonOf(deflateSync(Buffer.from('x'.repeat(100))))).not.toBe('ok');
  });

  it('refuses NUL bytes in the header block', () => {
    expect(reasonOf('Subject: x\nX-Bin: a\0b\n\nbody')).toMatch(/NUL/);
    expect(reasonOf('Subject: x\r\nX-Bin: \0\0')).toMatch(/NUL/);
  });
});
