// MIME decoding primitives for the message text: Content-Type parameters, transfer
// encodings, charsets and RFC 2047 encoded words. Total functions: malformed input decodes to
// something (as a mail client would show it), never throws. Linear in their input.

export interface ContentType {
  /** Lower-case `type/subtype`; `text/plain` when absent or unparsable (RFC 2045 5.2). */
  type: string;
  /** Parameters with lower-case names, quotes removed. */
  params: Map<string, string>;
}

/** Parses `text/html; charset="utf-8"`; RFC 2231 `name*=charset''value` parameters are decoded. */
export function parseContentType(value: string | undefined): ContentType {
  const params = new Map<string, string>();
  if (value === undefined) return { type: 'text/plain', params };
  const fields = splitParams(unfold(value));
  const type = (fields.shift() ?? '').trim().toLowerCase();
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) continue;
    let name = field.slice(0, eq).trim().toLowerCase();
    let v = field.slice(eq + 1).trim();
    if (v.startsWith('"')) v = v.slice(1, v.endsWith('"') && v.length > 1 ? -1 : undefined).replace(/\\(.)/g, '$1');
    if (name.endsWith('*')) {
      // RFC 2231: charset'language'percent-encoded (continuations name*0* are not joined).
      name = name.slice(0, -1);
      const parts = v.split("'");
      if (parts.length === 3) v = decodeCharset(percentDecode(parts[2]!), parts[0]!);
    }
    if (!params.has(name)) params.set(name, v);
  }
  return { type: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : 'text/plain', params };
}

/** Splits on `;` outside double quotes. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c /* \ */ && quoted) i++;
    else if (c === 0x22 /* " */) quoted = !quoted;
    else if (c === 0x3b /* ; */ && !quoted) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

function percentDecode(s: string): Buffer {
  const out = Buffer.alloc(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const hex = c === 0x25 ? hexByte(s.charCodeAt(i + 1), s.charCodeAt(i + 2)) : -1;
    if (hex >= 0) {
      out[n++] = hex;
      i += 2;
    } else out[n++] = c & 0xff;
  }
  return out.subarray(0, n);
}

/** Removes header folding: a line break followed by white space is the white space (RFC 5322 2.2.3). */
export function unfold(value: string): string {
  return value.indexOf('\n') < 0 ? value : value.replace(/\r?\n(?=[ \t])/g, '');
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function hexByte(a: number, b: number): number {
  const hi = hexValue(a);
  const lo = hexValue(b);
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

/**
 * Quoted-printable (RFC 2045 6.7): `=XX` is a byte, `=` at the end of a line (after optional
 * transport padding) joins lines; any other `=` is kept as it is, as mail clients do.
 */
export function decodeQuotedPrintable(input: Buffer, underscoreIsSpace = false): Buffer {
  const out = Buffer.alloc(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === 0x5f && underscoreIsSpace) {
      out[n++] = 0x20;
      continue;
    }
    if (c !== 0x3d /* = */) {
      out[n++] = c;
      continue;
    }
    const byte = hexByte(input[i + 1] ?? -1, input[i + 2] ?? -1);
    if (byte >= 0) {
      out[n++] = byte;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (input[j] === 0x20 || input[j] === 0x09) j++;
    if (input[j] === 0x0d && input[j + 1] === 0x0a) i = j + 1;
    else if (input[j] === 0x0a) i = j;
    else out[n++] = c;
  }
  return out.subarray(0, n);
}

/** Decodes a body by its Content-Transfer-Encoding; unknown encodings pass through unchanged. */
export function decodeTransfer(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      // Node's decoder skips white space and characters outside the alphabet.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

const decoders = new Map<string, TextDecoder>();

/**
 * Bytes to text by a MIME charset name. Unknown or missing charsets, and us-ascii (8-bit text
 * labelled ASCII is nearly always UTF-8), decode as UTF-8 with U+FFFD for invalid bytes.
 */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? '').trim().toLowerCase();
  if (label === '' || label === 'utf-8' || label === 'utf8' || label === 'us-ascii' || label === 'ascii') {
    return bytes.toString('utf8');
  }
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      decoder = new TextDecoder('utf-8');
    }
    // Bounded: a message can name any number of charsets, unknown labels are not kept.
    if (decoders.size < 64 && decoder.encoding !== 'utf-8') decoders.set(label, decoder);
  }
  return decoder.decode(bytes);
}

/**
 * Decodes RFC 2047 encoded words (`=?utf-8?B?...?=`, `=?iso-8859-1?Q?...?=`) and unfolds the
 * value. White space between two adjacent encoded words is dropped (RFC 2047 6.2).
 */
export function decodeWords(value: string): string {
  const v = unfold(value);
  if (v.indexOf('=?') < 0) return v;
  // Each word is bounded by `=?` ... `?=` with no white space or `?` inside the parts: linear.
  return v
    .replace(/(\?=)[ \t]+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (_, charset: string, enc: string, text: string) => {
      const name = charset.replace(/\*.*$/, ''); // RFC 2231 language suffix: utf-8*en
      const bytes = enc === 'b' || enc === 'B'
        ? Buffer.from(text, 'base64')
        : decodeQuotedPrintable(Buffer.from(text, 'latin1'), true);
      return decodeCharset(bytes, name);
    });
}
