import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mimeCheck } from '../../src/checks/content/mime.js';
import { parseConfig } from '../../src/config/load.js';
import { messageFromRaw } from '../../src/message/parse.js';

// Cutting a message at limits.max_scan_bytes must not make well-formed mail look malformed:
// the structure faults at the cut (no close delimiter, a base64 group or a quoted-printable
// escape cut in two) are the scan limit's doing, not the sender's.

const { limits: config } = parseConfig({});
const limits = { maxScanBytes: config.max_scan_bytes, maxHeaders: config.max_headers };

const b64 = (b: Buffer) => b.toString('base64').replace(/.{76}/g, '$&\r\n');

/** A well-formed multipart/mixed message: a text part and one base64 attachment of the given size. */
function withAttachment(type: string, name: string, bytes: number): Buffer {
  return Buffer.from([
    'From: a@example.org', 'To: b@example.org', 'Subject: the report', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="sep"', '', '--sep', 'Content-Type: text/plain; charset=utf-8', '', 'Attached, as promised.',
    '--sep', `Content-Type: ${type}; name="${name}"`, 'Content-Transfer-Encoding: base64', `Content-Disposition: attachment; filename="${name}"`, '',
    b64(Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(bytes)])), '--sep--', '',
  ].join('\r\n'));
}

const symbolsOf = async (raw: Buffer, scanLimits = limits) => {
  const message = messageFromRaw(raw, scanLimits);
  const hits = await mimeCheck.run({ message } as Parameters<typeof mimeCheck.run>[0]);
  return { truncated: message.truncated, symbols: hits.map((h) => h.symbol).sort() };
};

describe('MIME structure symbols and the scan limit', () => {
  it('a well-formed 6 MB message with a base64 PDF, cut at the default max_scan_bytes, fires no structure symbol', async () => {
    const { truncated, symbols } = await symbolsOf(withAttachment('application/pdf', 'report.pdf', 4_500_000));
    expect(truncated).toBe(true);
    expect(symbols).toEqual([]);
  });

  it('a well-formed 30 MB base64 part cut at the default max_scan_bytes fires neither MIME_MISSING_CLOSE_BOUNDARY nor MIME_BAD_BASE64', async () => {
    const { truncated, symbols } = await symbolsOf(withAttachment('application/octet-stream', 'disk.img', 22_500_000));
    expect(truncated).toBe(true);
    expect(symbols).toEqual([]);
  });

  it('a cut at every offset through a base64 group, a quoted-printable escape and the close delimiter adds no symbol', async () => {
    const raw = Buffer.from([
      'Content-Type: multipart/mixed; boundary="sep"', '', '--sep', 'Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable', '',
      'caf=C3=A9 au lait', '--sep', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', 'aGVsbG8gd29ybGQh', '--sep--', '',
    ].join('\r\n'));
    const headerBytes = raw.indexOf('\r\n\r\n');
    for (let cut = raw.indexOf('--sep') + 10; cut < raw.length - 2; cut++) {
      const { symbols } = await symbolsOf(raw, { maxScanBytes: cut, maxHeaders: 1000 });
      expect(symbols, `cut at ${cut} of ${raw.length} (headers ${headerBytes})`).toEqual([]);
    }
  });

  it('a genuinely broken small message still fires both', async () => {
    const broken = Buffer.from([
      'Content-Type: multipart/mixed; boundary="sep"', '', '--sep', 'Content-Type: application/pdf', 'Content-Transfer-Encoding: base64', '',
      'JVBERi0x*!LjQK', 'JVBERi0xLjQ', '',
    ].join('\r\n'));
    const { truncated, symbols } = await symbolsOf(broken);
    expect(truncated).toBe(false);
    expect(symbols).toEqual(['MIME_BAD_BASE64', 'MIME_MISSING_CLOSE_BOUNDARY']);
  });

  it('a fault before the cut is still reported', async () => {
    const raw = Buffer.from([
      'Content-Type: multipart/mixed; boundary="sep"', '', '--sep', 'Content-Type: application/pdf', 'Content-Transfer-Encoding: base64', '',
      'JVBERi0x*!LjQK', '--sep', 'Content-Type: text/plain', '', 'x'.repeat(5000), '--sep--', '',
    ].join('\r\n'));
    const { truncated, symbols } = await symbolsOf(raw, { maxScanBytes: 2048, maxHeaders: 1000 });
    expect(truncated).toBe(true);
    expect(symbols).toEqual(['MIME_BAD_BASE64']);
  });
});
