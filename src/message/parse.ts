import { Message, type HeaderField, type ScanLimits } from './message.js';

/** A saved message split as an MTA hands it to a milter: header fields, then the body. */
export interface SplitMessage {
  fields: HeaderField[];
  body: Buffer;
  /** Values of a header name, case-insensitively, in order. */
  header(name: string): string[];
}

/** Builds a Message from raw RFC 5322 bytes (a .eml file), for learning and tokenizing. */
export function messageFromRaw(raw: Buffer, limits: ScanLimits): Message {
  const msg = new Message(limits);
  const { fields, body } = splitMessage(raw);
  for (const f of fields) msg.addHeader(f.name, f.value);
  msg.addBody(body);
  return msg;
}

/**
 * Splits raw RFC 5322 bytes into header fields and body. Headers end at the first empty line;
 * folded lines are kept with their line ends, as the MTA hands them to a milter.
 */
export function splitMessage(raw: Buffer): SplitMessage {
  const fields: HeaderField[] = [];
  const { headerEnd, bodyStart } = findHeaderEnd(raw);
  const lines = raw.toString('utf8', 0, headerEnd).split(/\r?\n/);
  let current: { name: string; value: string } | undefined;
  const flush = () => {
    if (current) fields.push(current);
    current = undefined;
  };
  for (const line of lines) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      current.value += `\r\n${line}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // mbox "From " line or garbage: not a header field
    current = { name: line.slice(0, colon), value: line.slice(colon + 1).replace(/^ /, '') };
  }
  flush();
  return {
    fields,
    body: raw.subarray(bodyStart),
    header(name: string) {
      const lower = name.toLowerCase();
      return fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
    },
  };
}

function findHeaderEnd(raw: Buffer): { headerEnd: number; bodyStart: number } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return { headerEnd: raw.length, bodyStart: raw.length };
}
