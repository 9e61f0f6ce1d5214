import type { Message } from './message.js';
import { decodeWords } from './mime.js';
import { partsOf } from './parts.js';

export { MAX_MIME_DEPTH, MAX_MIME_PARTS } from './mime-walk.js';

// The text a reader sees, for content rules, and the other views of a message's text. The
// text comes from the one MIME walk per message shared by all checks (see parts.ts).

interface WarnLog {
  warn(obj: object, msg: string): void;
}

const raws = new WeakMap<Message, string>();

/**
 * The message's text parts decoded (transfer encoding, charset), HTML reduced to its text,
 * invisible characters (soft hyphen, zero-width) removed, white space collapsed: runs of
 * spaces and single line breaks become one space, a blank line becomes one newline.
 * Attachments are not included. Computed at most once per message.
 */
export function textOf(message: Message, log?: WarnLog): string {
  return partsOf(message, log).text;
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
