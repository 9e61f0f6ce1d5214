import type { HeaderField } from './message.js';
import { decodeTransfer, parseContentType } from './mime.js';

// The MIME tree of a message walked once, depth first, handing each leaf part (decoded from its
// transfer encoding) to a visitor and noting what was malformed on the way. Every step is
// linear and bounded by the limits below; broken structure yields defects, never an exception.

/**
 * Nesting of multiparts and attached messages that is followed. Each level searches its
 * part again for its own boundary, so the depth bounds the work to depth × body size.
 */
export const MAX_MIME_DEPTH = 16;

/** MIME parts looked at per message: thousands of empty parts cost work for no text. */
export const MAX_MIME_PARTS = 1000;

/**
 * Bytes produced by base64 and quoted-printable decoding per message. Each nesting level may
 * decode its content again, and the scan limit can be raised to 1 GiB: this bounds the memory
 * and CPU one message can make decoding spend. Parts beyond it are seen as empty.
 */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;

/** The transfer encodings a multipart may declare (RFC 2045 6.4); '' is none. */
const IDENTITY_ENCODINGS = new Set(['', '7bit', '8bit', 'binary']);

/** Longer boundaries are refused (RFC 2046 5.1.1 allows 70 characters). */
const MAX_BOUNDARY_LENGTH = 200;

/** What can be wrong with a message's MIME structure or encoding. */
export type Defect =
  | 'bad-boundary' | 'missing-close-boundary' | 'bad-base64' | 'bad-quoted-printable' | 'unknown-charset'
  | 'too-deep' | 'too-many-parts' | 'decode-limit' | 'nul-bytes' | '8bit-header' | 'encoded-multipart';

/** A part with no parts inside: text, an image, an attachment. */
export interface Leaf {
  /** Lower-case `type/subtype`. */
  type: string;
  params: Map<string, string>;
  /** Lower-case disposition type ('inline', 'attachment') or ''. */
  disposition: string;
  /** The Content-Disposition `filename`, else the Content-Type `name`. */
  filename: string | undefined;
  /** Content decoded from its transfer encoding. */
  content: Buffer;
  /** Inside a message attached as a file (forwarded as an attachment): not the message's own text. */
  inAttachedMessage: boolean;
}

export interface WalkResult {
  partCount: number;
  /** Deepest nesting reached (0: the message itself). */
  depth: number;
  defects: Set<Defect>;
}

type Lookup = (name: string) => string | undefined;

interface WalkState extends WalkResult {
  decodedBytes: number;
  visit: (leaf: Leaf) => void;
}

/**
 * Walks the MIME tree of a message (its header fields and body), visiting each leaf in order.
 * `cut`: the body ends where the scan limit cut it, not where the sender ended it. The parts
 * that run to the cut then lack their end through no fault of the sender's: their missing close
 * delimiter and their encoding cut mid-group are not defects.
 */
export function walkMime(fields: readonly HeaderField[], body: Buffer, cut: boolean, visit: (leaf: Leaf) => void): WalkResult {
  const state: WalkState = { partCount: 0, depth: 0, defects: new Set(), decodedBytes: 0, visit };
  walk(fieldLookup(fields), body, 0, false, cut, state);
  return { partCount: state.partCount, depth: state.depth, defects: state.defects };
}

function fieldLookup(fields: readonly HeaderField[]): Lookup {
  return (name) => fields.find((f) => f.name.toLowerCase() === name)?.value;
}

/** `atCut`: this body runs to the end of the scanned message, which the scan limit cut. */
function walk(header: Lookup, body: Buffer, depth: number, inAttachedMessage: boolean, atCut: boolean, state: WalkState): void {
  if (state.partCount >= MAX_MIME_PARTS) {
    state.defects.add('too-many-parts');
    return;
  }
  state.partCount++;
  state.depth = Math.max(state.depth, depth);
  const ct = parseContentType(header('content-type'));
  const dispositionValue = header('content-disposition');
  const disposition = (dispositionValue ?? '').split(';')[0]!.trim().toLowerCase();
  // A multipart's own Content-Transfer-Encoding can only be an identity (RFC 2045 6.4): its
  // parts carry their own, and decoding the whole first would decode them twice.
  const multipart = ct.type.startsWith('multipart/');
  const encoding = header('content-transfer-encoding');
  if (multipart && !IDENTITY_ENCODINGS.has(encoding?.trim().toLowerCase() ?? '')) state.defects.add('encoded-multipart');
  const content = multipart ? body : decode(body, encoding, atCut, state);
  const leaf = (type: string): Leaf => ({ type, params: ct.params, disposition, filename: filenameOf(dispositionValue, ct.params), content, inAttachedMessage });
  if (multipart) {
    const boundary = ct.params.get('boundary');
    if (boundary === undefined || boundary === '' || boundary.length > MAX_BOUNDARY_LENGTH) {
      state.defects.add('bad-boundary');
      state.visit(leaf('text/plain')); // unreadable structure: show the bytes
      return;
    }
    if (depth >= MAX_MIME_DEPTH) {
      state.defects.add('too-deep');
      return;
    }
    const split = splitMultipart(content, boundary);
    if (!split.found) {
      if (!atCut) state.defects.add('bad-boundary'); // else its first delimiter may lie past the cut
      state.visit(leaf('text/plain'));
      return;
    }
    if (split.truncated) state.defects.add('too-many-parts');
    else if (!split.closed && !atCut) state.defects.add('missing-close-boundary');
    const lastRunsToCut = atCut && !split.closed && !split.truncated;
    for (const [i, whole] of split.parts.entries()) {
      const runsToCut = lastRunsToCut && i === split.parts.length - 1;
      const part = runsToCut ? withoutCutDelimiter(whole, boundary) : whole;
      const { fields, body: partBody } = splitPart(part);
      walk(fieldLookup(fields), partBody, depth + 1, inAttachedMessage, runsToCut, state);
      if (state.partCount >= MAX_MIME_PARTS) {
        if (i !== split.parts.length - 1) state.defects.add('too-many-parts');
        return;
      }
    }
  } else if (ct.type === 'message/rfc822' || ct.type === 'message/global') {
    // A message attached as a file is itself an attachment, and its own attachments are
    // followed too (a forwarded message carrying a program), but its text is not this message's.
    const attached = disposition === 'attachment';
    if (attached) state.visit(leaf(ct.type));
    if (depth >= MAX_MIME_DEPTH) {
      state.defects.add('too-deep');
      return;
    }
    const { fields, body: inner } = splitPart(content);
    walk(fieldLookup(fields), inner, depth + 1, inAttachedMessage || attached, atCut, state);
  } else state.visit(leaf(ct.type));
}

function decode(body: Buffer, encoding: string | undefined, atCut: boolean, state: WalkState): Buffer {
  const decoded = decodeTransfer(body, encoding, atCut);
  if (decoded.bytes === body) return body; // identity encodings decode nothing
  if (state.decodedBytes + decoded.bytes.length > MAX_DECODED_BYTES) {
    state.defects.add('decode-limit');
    return Buffer.alloc(0);
  }
  state.decodedBytes += decoded.bytes.length;
  if (decoded.malformed) state.defects.add(encoding?.trim().toLowerCase() === 'base64' ? 'bad-base64' : 'bad-quoted-printable');
  return decoded.bytes;
}

function filenameOf(disposition: string | undefined, typeParams: Map<string, string>): string | undefined {
  const name = (disposition !== undefined ? parseContentType(disposition).params.get('filename') : undefined) ?? typeParams.get('name');
  return name === undefined || name === '' ? undefined : name;
}

interface Split {
  parts: Buffer[];
  /** Some delimiter line was found. */
  found: boolean;
  /** The close delimiter (`--boundary--`) was found. */
  closed: boolean;
  /** Splitting stopped at MAX_MIME_PARTS parts: the rest was not looked at. */
  truncated: boolean;
}

/**
 * The body parts between `--boundary` lines (RFC 2046 5.1.1); preamble and epilogue dropped.
 * Stops after MAX_MIME_PARTS parts: the walk would not look at more.
 */
function splitMultipart(body: Buffer, boundary: string): Split {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const split: Split = { parts: [], found: false, closed: false, truncated: false };
  let partStart = -1;
  let from = 0;
  for (;;) {
    if (split.parts.length > MAX_MIME_PARTS) {
      split.truncated = true;
      return split;
    }
    const at = body.indexOf(delimiter, from);
    if (at < 0) break;
    from = at + delimiter.length;
    if (at > 0 && body[at - 1] !== 0x0a) continue; // not at the start of a line
    const close = body[from] === 0x2d && body[from + 1] === 0x2d;
    // `--b` is not a delimiter of `--bAA`: a boundary may be the start of a nested one's.
    if (!close && !paddingToLineEnd(body, from)) continue;
    split.found = true;
    if (partStart >= 0) {
      // The line break before the delimiter belongs to the delimiter.
      let end = at;
      if (end > partStart && body[end - 1] === 0x0a) end--;
      if (end > partStart && body[end - 1] === 0x0d) end--;
      split.parts.push(body.subarray(partStart, end));
    }
    if (close) {
      split.closed = true;
      return split;
    }
    const eol = body.indexOf(0x0a, from);
    if (eol < 0) return split;
    partStart = eol + 1;
    from = partStart;
  }
  if (partStart >= 0) split.parts.push(body.subarray(partStart)); // no close delimiter: the rest
  return split;
}

/** The part without a last line that is the start of its (close) delimiter, cut there by the scan limit. */
function withoutCutDelimiter(part: Buffer, boundary: string): Buffer {
  const lineStart = part.lastIndexOf(0x0a) + 1;
  const tail = part.subarray(lineStart).toString('latin1');
  if (tail === '' || !`--${boundary}--`.startsWith(tail)) return part;
  let end = lineStart;
  if (end > 0 && part[end - 1] === 0x0a) end--;
  if (end > 0 && part[end - 1] === 0x0d) end--;
  return part.subarray(0, end);
}

/** Only spaces and tabs (RFC 2046 transport padding) from `from` to the end of its line or body. */
function paddingToLineEnd(body: Buffer, from: number): boolean {
  let i = from;
  while (body[i] === 0x20 || body[i] === 0x09) i++;
  return i >= body.length || body[i] === 0x0a || (body[i] === 0x0d && (i + 1 >= body.length || body[i + 1] === 0x0a));
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
