import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { contentChecks } from '../../src/checks/content/index.js';
import type { Hit } from '../../src/engine/check.js';
import { MAX_DECODED_BYTES, MAX_MIME_DEPTH, MAX_MIME_PARTS } from '../../src/message/mime-walk.js';
import { messageFromRaw } from '../../src/message/parse.js';
import { MAX_URLS, partsOf, type MessageParts } from '../../src/message/parts.js';
import { MAX_ZIP_MEMBERS } from '../../src/message/zip.js';
import { endRecord } from './build-zip.js';

// Broken and hostile messages: none may throw, and each must finish with bounded work. Wall
// time is only a hang guard (HANG_MS); the bounds asserted are the counts the limits promise.

const limits = { maxScanBytes: 64 << 20, maxHeaders: 1000 };
const HANG_MS = 2000;
const log = pino({ level: 'silent' });

/** Parses a message and runs every content check on it, timing the whole. */
function survive(raw: Buffer | string, hangMs = HANG_MS): { parts: MessageParts; symbols: string[]; ms: number } {
  const started = performance.now();
  const message = messageFromRaw(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw, limits);
  const parts = partsOf(message);
  const symbols: string[] = [];
  for (const check of contentChecks) {
    for (const hit of check.run({ message, log, signal: new AbortController().signal }) as Hit[]) symbols.push(hit.symbol);
  }
  const ms = performance.now() - started;
  expect(ms).toBeLessThan(hangMs);
  expect(parts.partCount).toBeLessThanOrEqual(MAX_MIME_PARTS);
  expect(parts.depth).toBeLessThanOrEqual(MAX_MIME_DEPTH);
  expect(parts.urls.length).toBeLessThanOrEqual(MAX_URLS);
  return { parts, symbols, ms };
}

describe('hostile MIME', () => {
  it('10,000 parts: the first MAX_MIME_PARTS are read, MIME_TOO_MANY_PARTS', () => {
    const body = Array.from({ length: 10_000 }, (_, i) => `--b\nContent-Type: text/plain\n\npart ${i}\n`).join('');
    const { parts, symbols } = survive(`Content-Type: multipart/mixed; boundary=b\n\n${body}--b--\n`);
    expect(parts.partCount).toBe(MAX_MIME_PARTS);
    expect(symbols).toContain('MIME_TOO_MANY_PARTS');
  });

  it('nesting 1,000 deep: followed to MAX_MIME_DEPTH, MIME_TOO_DEEP', () => {
    let open = '';
    let close = '';
    for (let i = 0; i < 1000; i++) {
      open += `Content-Type: multipart/mixed; boundary=n${i}\n\n--n${i}\n`;
      close = `\n--n${i}--${close}`;
    }
    const { parts, symbols } = survive(`${open}Content-Type: text/plain\n\ncore${close}`);
    expect(parts.depth).toBe(MAX_MIME_DEPTH);
    expect(symbols).toContain('MIME_TOO_DEEP');
  });

  it('attached messages nested 1,000 deep', () => {
    const raw = `${'Content-Type: message/rfc822\n\n'.repeat(1000)}Subject: core\n\ncore text`;
    expect(survive(raw).symbols).toContain('MIME_TOO_DEEP');
  });

  it('a huge unterminated boundary line and a boundary parameter of megabytes', () => {
    survive(`Content-Type: multipart/mixed; boundary=b\n\n--b${'x'.repeat(4 << 20)}`);
    const { symbols } = survive(`Content-Type: multipart/mixed; boundary="${'b'.repeat(1 << 20)}"\n\n--b\n\ntext`);
    expect(symbols).toContain('MIME_BAD_BOUNDARY');
    survive(`Content-Type: multipart/mixed; boundary=b\n\n${'--b\n'.repeat(200_000)}`);
  });

  it('invalid base64 and quoted-printable of megabytes', () => {
    const b64 = survive(`Content-Transfer-Encoding: base64\n\n${'@#$%'.repeat(1 << 20)}`);
    expect(b64.symbols).toContain('MIME_BAD_BASE64');
    const qp = survive(`Content-Transfer-Encoding: quoted-printable\n\n${'=Z'.repeat(1 << 20)}`);
    expect(qp.symbols).toContain('MIME_BAD_QP');
  });

  it('more encoded content than MAX_DECODED_BYTES: decoding stops, MIME_DECODE_LIMIT', () => {
    const chunk = Buffer.alloc(8 << 20, 0x41).toString('base64');
    const parts = Array.from({ length: Math.ceil(MAX_DECODED_BYTES / (8 << 20)) + 1 }, () => `--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${chunk}\n`);
    // 55 MB of base64 to read: a looser hang guard than the others.
    const { parts: decoded, symbols } = survive(`Content-Type: multipart/mixed; boundary=b\n\n${parts.join('')}--b--\n`, 5 * HANG_MS);
    expect(symbols).toContain('MIME_DECODE_LIMIT');
    expect(decoded.attachments.reduce((sum, a) => sum + a.size, 0)).toBeLessThanOrEqual(MAX_DECODED_BYTES);
  });

  it('NUL bytes, 8-bit headers and unknown charsets everywhere', () => {
    const raw = Buffer.concat([
      Buffer.from('Subject: \xff\xfe\x00\x80 caf\xe9\nContent-Type: multipart/mixed; boundary=b\n\n', 'latin1'),
      ...Array.from({ length: 300 }, (_, i) => Buffer.from(`--b\nContent-Type: text/html; charset=x-unknown-${i}\n\n<p>\0\0\x80${i}</p>\n`, 'latin1')),
    ]);
    const { symbols } = survive(raw);
    expect(symbols).toEqual(expect.arrayContaining(['MIME_NUL_BYTES', 'MIME_8BIT_HEADER', 'MIME_UNKNOWN_CHARSET']));
  });

  it('a zip claiming 100,000 central-directory entries', () => {
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(7, 28); // a 7-byte name follows
    const entries = Buffer.concat(Array.from({ length: MAX_ZIP_MEMBERS * 3 }, () => Buffer.concat([entry, Buffer.from('evil.js')])));
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(26), entries, endRecord(100_000, entries.length, 30)]);
    const raw = `Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\n${zip.toString('base64')}\n--b--\n`;
    const { parts, symbols } = survive(raw);
    expect(parts.attachments[0]!.members).toHaveLength(MAX_ZIP_MEMBERS);
    expect(symbols).toContain('ATTACH_ARCHIVE_EXE');
  });

  it('hostile HTML: unclosed tags, endless attributes, thousands of anchors', () => {
    const html = `${'<div style="color:#fff;font-size:0">'.repeat(100_000)}${'<a href="http://x.example/">'.repeat(50_000)}<p title="${'x'.repeat(1 << 20)}`;
    const { parts } = survive(`Content-Type: text/html\n\n${html}`);
    expect(parts.urls).toHaveLength(MAX_URLS);
  });

  it('random bytes never throw (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
      survive(Buffer.from(bytes));
    }), { numRuns: 300 });
  });

  it('random MIME-shaped text never throws (property)', () => {
    const token = fc.constantFrom('--b\n', '--b--\n', '\n\n', 'Content-Type: multipart/mixed; boundary=b\n', 'Content-Type: text/html\n',
      'Content-Transfer-Encoding: base64\n', 'Content-Transfer-Encoding: quoted-printable\n', 'Content-Type: message/rfc822\n',
      '<a href="http://a.example">www.b.example</a>', '=ZZ', '=\n', 'aGk=', 'PK\x05\x06', '<img>', '<div style="display:none">', '\0');
    fc.assert(fc.property(fc.array(token, { maxLength: 200 }), (tokens) => {
      survive(`Content-Type: multipart/mixed; boundary=b\n\n${tokens.join('')}`);
    }), { numRuns: 300 });
  });
});
