// Splits an mbox file into messages while streaming it, so a mailbox of any size is read
// with memory bounded by one message. mbox (RFC 4155): every message starts with a
// separator line "From sender date"; mboxrd quotes body lines matching /^>*From / with one
// more '>', which we remove again. Like Python's `mailbox.mbox`, every line starting with
// "From " is a separator (a writer that did not quote such a body line split it already).
import { createReadStream } from 'node:fs';

const SEPARATOR = Buffer.from('From ');
const GT = 0x3e;
const LF = 0x0a;

/** One message cut from the mbox, or the note that the N-th one was too large to load. */
export type MboxPiece = { index: number; raw: Buffer } | { index: number; oversize: number };

/** True when `line` (without its line end) is `>`…`>From `: an mboxrd-quoted body line. */
function isQuotedFrom(line: Buffer): boolean {
  let i = 0;
  while (i < line.length && line[i] === GT) i++;
  return i > 0 && line.length - i >= SEPARATOR.length && line.compare(SEPARATOR, 0, SEPARATOR.length, i, i + SEPARATOR.length) === 0;
}

function isSeparator(line: Buffer): boolean {
  return line.length >= SEPARATOR.length && line.compare(SEPARATOR, 0, SEPARATOR.length, 0, SEPARATOR.length) === 0;
}

/** Collects the lines of one message up to `maxBytes`; beyond that it only counts. */
class MessageBuffer {
  private lines: Buffer[] = [];
  private bytes = 0;
  started = false;

  constructor(private readonly maxBytes: number) {}

  add(line: Buffer): void {
    this.started = true;
    this.bytes += line.length;
    if (this.bytes <= this.maxBytes) this.lines.push(line);
    else this.lines = [];
  }

  /** The message, without the empty line mbox writers put before the next separator. */
  take(index: number): MboxPiece {
    const bytes = this.bytes;
    let raw = Buffer.concat(this.lines);
    this.lines = [];
    this.bytes = 0;
    this.started = false;
    if (bytes > this.maxBytes) return { index, oversize: bytes };
    if (raw.length >= 2 && raw[raw.length - 1] === LF && raw[raw.length - 2] === LF) raw = raw.subarray(0, raw.length - 1);
    else if (raw.length >= 3 && raw.subarray(raw.length - 3).toString('latin1') === '\n\r\n') raw = raw.subarray(0, raw.length - 2);
    return { index, raw };
  }
}

/**
 * Yields the messages of the mbox at `path` in order, numbered from 1. Text before the
 * first separator is not a message and is dropped. Read errors propagate to the caller.
 */
export async function* splitMbox(path: string, maxMessageBytes: number): AsyncGenerator<MboxPiece> {
  const message = new MessageBuffer(maxMessageBytes);
  let index = 0;
  let inMessage = false;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  // Set while a line too long to hold is let go in pieces: what its first piece was decides
  // what the rest is (the rest of a separator is dropped, the rest of a body line kept).
  let continuing: 'separator' | 'content' | undefined;

  // Handles one line, or one piece of a long one; returns a finished message, if any.
  const onLine = (line: Buffer): MboxPiece | undefined => {
    if (continuing === 'separator') return undefined;
    if (continuing === undefined && isSeparator(line)) {
      const done = inMessage ? message.take(index) : undefined;
      inMessage = true;
      index++;
      continuing = 'separator';
      return done;
    }
    if (inMessage) message.add(continuing === undefined && isQuotedFrom(line) ? line.subarray(1) : line);
    continuing = 'content';
    return undefined;
  };

  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(LF, start); nl >= 0; nl = chunk.indexOf(LF, start)) {
      let line = chunk.subarray(start, nl + 1);
      if (partial.length > 0) {
        line = Buffer.concat([...partial, line]);
        partial = [];
        partialBytes = 0;
      }
      start = nl + 1;
      const done = onLine(line);
      continuing = undefined; // the line ended
      if (done) yield done;
    }
    if (start < chunk.length) {
      partial.push(chunk.subarray(start));
      partialBytes += chunk.length - start;
    }
    // A line longer than the whole message budget would grow `partial` without bound: let
    // it go now, in pieces (its message is oversize either way).
    if (partialBytes > maxMessageBytes) {
      const done = onLine(Buffer.concat(partial));
      partial = [];
      partialBytes = 0;
      if (done) yield done;
    }
  }
  if (partial.length > 0) {
    const done = onLine(Buffer.concat(partial));
    if (done) yield done;
  }
  if (inMessage) yield message.take(index);
}
