// MIME decoding primitives for the message text: Content-Type parameters, transfer
// encodings, charsets and RFC 2047 encoded words. Total functions: malformed input decodes to
// something (as a mail client would show it), never throws. Linear in their input.

export interface ContentType {
  /** Lower-case `type/subtype`; `text/plain` when absent or unparsable (RFC 2045 5.2). */
  type: string;
  /** Parameters with lower-case names, quotes removed. */
  params: Map<string, string>;
}

/** Most RFC 2231 continuation sections joined for one parameter (`name*0`, `name*1`, ...). */
const MAX_PARAM_SECTIONS = 64;

/**
 * Parses `text/html; charset="utf-8"`; RFC 2231 `name*=charset''value` parameters are decoded
 * and continuations (`filename*0="invoice.pdf"; filename*1=".exe"`) joined, so a name split
 * in pieces reads as a mail client shows it.
 */
export function parseContentType(value: string | undefined): ContentType {
  const params = new Map<string, string>();
  if (value === undefined) return { type: 'text/plain', params };
  const fields = splitParams(unfold(value));
  const type = (fields.shift() ?? '').trim().toLowerCase();
  const sections = new Map<string, { index: number; value: string; encoded: boolean }[]>();
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) continue;
    let name = field.slice(0, eq).trim().toLowerCase();
    let v = field.slice(eq + 1).trim();
    if (v.startsWith('"')) v = v.slice(1, v.endsWith('"') && v.length > 1 ? -1 : undefined).replace(/\\(.)/g, '$1');
    const encoded = name.endsWith('*');
    if (encoded) name = name.slice(0, -1);
    const star = name.lastIndexOf('*');
    const index = star > 0 ? name.slice(star + 1) : '';
    if (/^[0-9]{1,2}$/.test(index) && Number(index) < MAX_PARAM_SECTIONS) {
      const base = name.slice(0, star);
      const list = sections.get(base) ?? [];
      list.push({ index: Number(index), value: v, encoded });
      sections.set(base, list);
      continue;
    }
    if (encoded) v = decodeExtended(v);
    if (!params.has(name)) params.set(name, v);
  }
  for (const [name, list] of sections) {
    if (params.has(name)) continue;
    list.sort((a, b) => a.index - b.index);
    // Only the first section carries charset'language'; later encoded ones are percent-encoded.
    const first = list[0]!;
    const charset = first.encoded ? (first.value.split("'")[0] ?? '') : '';
    const bytes = list.map((s, i) => {
      if (!s.encoded) return Buffer.from(s.value, 'utf8');
      const text = i === 0 ? s.value.split("'").slice(2).join("'") : s.value;
      return percentDecode(text);
    });
    params.set(name, decodeCharset(Buffer.concat(bytes), charset));
  }
  return { type: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : 'text/plain', params };
}

/** RFC 2231 `charset'language'percent-encoded`; other shapes stay as written. */
function decodeExtended(v: string): string {
  const parts = v.split("'");
  return parts.length === 3 ? decodeCharset(percentDecode(parts[2]!), parts[0]!) : v;
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

/** Bytes decoded from a transfer encoding, and whether the encoded input broke its rules. */
export interface Decoded {
  bytes: Buffer;
  malformed: boolean;
}

/**
 * Quoted-printable (RFC 2045 6.7): `=XX` is a byte, `=` at the end of a line (after optional
 * transport padding) joins lines; any other `=` is kept as it is, as mail clients do.
 */
export function decodeQuotedPrintable(input: Buffer, underscoreIsSpace = false): Buffer {
  return quotedPrintable(input, underscoreIsSpace).bytes;
}

/**
 * Quoted-printable with a flag for `=` followed by neither two hex digits nor a line end;
 * `cut`: the input ends where the scan limit cut it, so an escape cut short is not a fault.
 */
function quotedPrintable(input: Buffer, underscoreIsSpace: boolean, cut = false): Decoded {
  const out = Buffer.alloc(input.length);
  let n = 0;
  let malformed = false;
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
    // A lone '=' ending the input is a soft break (the part's last line, or the scan limit cut it).
    else if (j >= input.length) i = j;
    else {
      out[n++] = c;
      if (!(cut && i + 2 >= input.length)) malformed = true;
    }
  }
  return { bytes: out.subarray(0, n), malformed };
}

/**
 * Removes the spaces and tabs that end each line of quoted-printable text: RFC 2045 6.7 (3)
 * says a decoder must, since transports add and strip them (encoded ones are `=20`).
 */
function dropTrailingWhiteSpace(input: Buffer): Buffer {
  let out: Buffer | undefined;
  let n = 0;
  let copied = 0;
  for (let eol = input.indexOf(0x0a); ; eol = input.indexOf(0x0a, eol + 1)) {
    const lineEnd = eol < 0 ? input.length : eol > 0 && input[eol - 1] === 0x0d ? eol - 1 : eol;
    let end = lineEnd;
    while (end > copied && (input[end - 1] === 0x20 || input[end - 1] === 0x09)) end--;
    if (end < lineEnd) {
      out ??= Buffer.alloc(input.length);
      n += input.copy(out, n, copied, end);
      copied = lineEnd;
    }
    if (eol < 0) break;
  }
  if (out === undefined) return input;
  n += input.copy(out, n, copied);
  return out.subarray(0, n);
}

/** 1 for the bytes of the base64 alphabet and '=', 2 for white space; 0 for anything else. */
const BASE64_CLASS = new Uint8Array(256);
for (const c of Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=')) BASE64_CLASS[c] = 1;
for (const c of [0x20, 0x09, 0x0d, 0x0a]) BASE64_CLASS[c] = 2;

/**
 * Base64 is malformed when it holds bytes outside the alphabet, data after the `=` padding,
 * or a length that is not a whole number of 4-character groups (unless `cut`: the scan limit
 * ended it mid-group).
 */
function base64Malformed(body: Buffer, cut: boolean): boolean {
  let chars = 0;
  let padded = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    const cls = BASE64_CLASS[c]!;
    if (cls === 2) continue;
    if (cls === 0) return true;
    if (c === 0x3d) padded = true;
    else if (padded) return true;
    chars++;
  }
  return !cut && chars % 4 !== 0;
}

/**
 * Decodes a body by its Content-Transfer-Encoding, and says whether the encoded input was
 * malformed; unknown encodings pass through unchanged. `cut`: the body ends where the scan
 * limit cut it, so an encoding unit cut in two there is not malformed.
 */
export function decodeTransfer(body: Buffer, encoding: string | undefined, cut = false): Decoded {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      // Node's decoder skips white space and characters outside the alphabet.
      return { bytes: Buffer.from(body.toString('latin1'), 'base64'), malformed: base64Malformed(body, cut) };
    case 'quoted-printable':
      return quotedPrintable(dropTrailingWhiteSpace(body), false, cut);
    default:
      return { bytes: body, malformed: false };
  }
}

const decoders = new Map<string, TextDecoder>();

/** Charset labels remembered by isKnownCharset; beyond it they are looked up again. */
const MAX_CHARSET_VERDICTS = 256;
const charsetVerdicts = new Map<string, boolean>();

/** True when decodeCharset knows the label (absent means US-ASCII, RFC 2045 5.2). */
export function isKnownCharset(charset: string | undefined): boolean {
  const label = (charset ?? '').trim().toLowerCase();
  if (label === '' || label === 'utf-8' || label === 'utf8' || label === 'us-ascii' || label === 'ascii') return true;
  let known = charsetVerdicts.get(label);
  if (known === undefined) {
    try {
      new TextDecoder(label);
      known = true;
    } catch {
      known = false;
    }
    if (charsetVerdicts.size < MAX_CHARSET_VERDICTS) charsetVerdicts.set(label, known);
  }
  return known;
}

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
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
}

/** Windows-1252's characters for the bytes 0x80 to 0x9F (WHATWG Encoding's index); the rest is Latin-1. */
const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f'
  + '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * Windows-1252, which WHATWG also makes of the labels iso-8859-1 and latin1. Node 20's
 * TextDecoder decodes it as Latin-1, so the curly quotes, dashes and euro sign of most Western
 * mail came out as C1 control characters (mailparser, through iconv-lite, reads them right).
 */
function decodeWindows1252(bytes: Buffer): string {
  const latin1 = bytes.toString('latin1');
  return /[\x80-\x9f]/.test(latin1) ? latin1.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!) : latin1;
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
