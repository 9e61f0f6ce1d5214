// Small MIME and zip builders for the scanner tests: a payload as an attachment, encoded as the
// test needs (7bit, base64, quoted-printable), or stored in a zip archive.
import { crc32 } from 'node:zlib';

export type Encoding = '7bit' | 'base64' | 'quoted-printable';

function encode(data: Buffer, enc: Encoding): string {
  if (enc === 'base64') return data.toString('base64').replace(/.{76}/g, '$&\r\n');
  if (enc === '7bit') return data.toString('latin1');
  // Quoted-printable: '=' and 8-bit bytes escaped, soft line breaks every 20 characters so the
  // scanner must decode to see the payload whole.
  const escaped = [...data].map((b) => (b === 0x3d || b > 0x7e || b < 0x20 ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
  return escaped.replace(/(.{20})/g, '$1=\r\n');
}

/** A multipart/mixed message (headers and body, CRLF) with a text part and one attachment. */
export function withAttachment(filename: string, data: Buffer, enc: Encoding, contentType = 'application/octet-stream'): { headers: [string, string][]; body: string } {
  const boundary = 'thresher-test-boundary';
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Please see the attached file.',
    `--${boundary}`,
    `Content-Type: ${contentType}; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    `Content-Transfer-Encoding: ${enc}`,
    '',
    encode(data, enc),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return {
    headers: [
      ['From', 'sender@example.org'],
      ['To', 'user@example.net'],
      ['Subject', `file ${filename}`],
      ['MIME-Version', '1.0'],
      ['Content-Type', `multipart/mixed; boundary="${boundary}"`],
    ],
    body,
  };
}

/** A zip archive holding one file, stored (not compressed). */
export function storedZip(name: string, data: Buffer, { encrypted = false } = {}): Buffer {
  const fileName = Buffer.from(name);
  // Bit 0 of the general purpose flags: the entry is encrypted (its data then starts with a
  // 12-byte encryption header). ClamAV with AlertEncrypted reports Heuristics.Encrypted.Zip.
  const flags = encrypted ? 1 : 0;
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
