import type { HeaderField, Message } from './message.js';
import { decodeCharset, decodeTransfer, decodeWords, parseContentType } from './mime.js';
import { htmlToText } from './html.js';

// The text a reader sees, for content rules: the decoded text/plain and text/html parts of
// the scanned body, computed once per message on first use and shared by every check.
//
// A small MIME walker rather than mailparser: the rules need only the text, and mailparser's
// simpleParser took about 1 ms of CPU for a plain 10 KB message, the whole budget of the
// rules engine. Every step is linear and bounded by the limits below; malformed MIME decodes
// to what is there, and anything unforeseen falls back to the raw body.

/**
 * Nesting of multiparts and attached messages that is followed. Each level searches its
 * part again for its own boundary, so the depth bounds the work to depth × body size.
 */
export const MAX_MIME_DEPTH = 16;

/** MIME parts looked at per message: thousands of empty parts cost work for no text. */
export const MAX_MIME_PARTS = 1000;

/** Longer boundaries are refused (RFC 2046 5.1.1 allows 70 characters). */
const MAX_BOUNDARY_LENGTH = 200;

interface WarnLog {
  warn(obj: object, msg: string): void;
}

const texts = new WeakMap<Message, string>();
const raws = new WeakMap<Message, string>();

/**
 * The message's text parts decoded (transfer encoding, charset), HTML reduced to its text,
 * invisible characters (soft hyphen, zero-width) removed, white space collapsed: runs of
 * spaces and single line breaks become one space, a blank line becomes one newline.
 * Attachments are not included. Computed at most once per message.
 */
export function textOf(message: Message, log?: WarnLog): string {
  let text = texts.get(message);
  if (text === undefined) {
    try {
      const out: string[] = [];
      walk(fieldLookup(message.headers), message.body, 0, out, { parts: 0 });
      text = normalize(out.join('\n\n'));
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'MIME decoding failed; text rules see the raw body');
      text = normalize(rawTextOf(message));
    }
    texts.set(message, text);
  }
  return text;
}

/** The scanned body as received (UTF-8, invalid bytes as U+FFFD), converted once per message. */
export function rawTextOf(message: Message): string {
  let raw = raws.get(message);
  if (raw === undefined) {
    raw = message.body.toString('utf8');
    raws.set(message, raw);
  }
  return raw;
}

/** Values of the header fields of a name (case-insensitive), unfolded, RFC 2047 words decoded. */
export function headerTextOf(message: Message, name: string): string[] {
  return message.header(name).map(decodeWords);
}

type Lookup = (name: string) => string | undefined;

function fieldLookup(fields: readonly HeaderField[]): Lookup {
  return (name) => fields.find((f) => f.name.toLowerCase() === name)?.value;
}

function walk(header: Lookup, body: Buffer, depth: number, out: string[], seen: { parts: number }): void {
  if (++seen.parts > MAX_MIME_PARTS) return;
  const ct = parseContentType(header('content-type'));
  const disposition = (header('content-disposition') ?? '').split(';')[0]!.trim().toLowerCase();
  const content = decodeTransfer(body, header('content-transfer-encoding'));
  const [kind] = ct.type.split('/');
  if (kind === 'multipart') {
    const boundary = ct.params.get('boundary');
    if (boundary === undefined || boundary === '' || boundary.length > MAX_BOUNDARY_LENGTH) {
      out.push(decodeCharset(content, ct.params.get('charset'))); // unreadable structure: show the bytes
      return;
    }
    if (depth >= MAX_MIME_DEPTH) return;
    for (const part of splitMultipart(content, boundary)) {
      const { fields, body: partBody } = splitPart(part);
      walk(fieldLookup(fields), partBody, depth + 1, out, seen);
      if (seen.parts > MAX_MIME_PARTS) return;
    }
  } else if (ct.type === 'message/rfc822' || ct.type === 'message/global') {
    if (depth >= MAX_MIME_DEPTH || disposition === 'attachment') return;
    const { fields, body: inner } = splitPart(content);
    walk(fieldLookup(fields), inner, depth + 1, out, seen);
  } else if ((ct.type === 'text/plain' || ct.type === 'text/html') && disposition !== 'attachment') {
    const text = decodeCharset(content, ct.params.get('charset'));
    out.push(ct.type === 'text/html' ? htmlToText(text) : text);
  }
}

/** The body parts between `--boundary` lines (RFC 2046 5.1.1); preamble and epilogue dropped. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Buffer[] = [];
  let partStart = -1;
  let from = 0;
  for (;;) {
    const at = body.indexOf(delimiter, from);
    if (at < 0) break;
    from = at + delimiter.length;
    if (at > 0 && body[at - 1] !== 0x0a) continue; // not at the start of a line
    if (partStart >= 0) {
      // The line break before the delimiter belongs to the delimiter.
      let end = at;
      if (end > partStart && body[end - 1] === 0x0a) end--;
      if (end > partStart && body[end - 1] === 0x0d) end--;
      parts.push(body.subarray(partStart, end));
    }
    if (body[from] === 0x2d && body[from + 1] === 0x2d) return parts; // close delimiter
    const eol = body.indexOf(0x0a, from);
    if (eol < 0) return parts;
    partStart = eol + 1;
    from = partStart;
  }
  if (partStart >= 0) parts.push(body.subarray(partStart)); // no close delimiter: the rest
  return parts;
}

/** A part's header fields and body: fields end at the first empty line. */
function splitPart(part: Buffer): { fields: HeaderField[]; body: Buffer } {
  let headerEnd: number;
  let bodyStart: number;
  if (part[0] === 0x0a || (part[0] === 0x0d && part[1] === 0x0a)) {
    headerEnd = 0;
    bodyStart = part[0] === 0x0a ? 1 : 2;
  } else {
    const crlf = part.indexOf('\r\n\r\n');
    const lf = part.indexOf('\n\n');
    if (crlf >= 0 && (lf < 0 || crlf < lf)) [headerEnd, bodyStart] = [crlf, crlf + 4];
    else if (lf >= 0) [headerEnd, bodyStart] = [lf, lf + 2];
    else [headerEnd, bodyStart] = [part.length, part.length];
  }
  const fields: HeaderField[] = [];
  for (const line of part.toString('utf8', 0, headerEnd).split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if ((line[0] === ' ' || line[0] === '\t') && last) last.value += line;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  return { fields, body: part.subarray(bodyStart) };
}

/** Removes invisible characters used to split words and collapses white space (see textOf). */
function normalize(text: string): string {
  return text
    .replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '')
    // Every white space run but a lone space (most of them, left as they are).
    .replace(/[^\S ]\s*|\s{2,}/g, (ws) => (ws.indexOf('\n') !== ws.lastIndexOf('\n') ? '\n' : ' '))
    .trim();
}
