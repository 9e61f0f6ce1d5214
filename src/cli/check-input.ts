import { MAX_MESSAGE_BYTES, readMessages } from '../mailbox/read.js';
import { looksLikeMessage } from '../message/looks-like-message.js';

// What `thresher check` reads: files, folders, Maildirs and mbox files as learn and eval read
// them, and `-` for standard input. Every argument yields its messages or says why not.

/** The name standard input is reported under. */
export const STDIN_NAME = '<stdin>';

export type CheckInput = { name: string; raw: Buffer } | { name: string; problem: string };

export async function* checkInputs(args: readonly string[], maxBytes = MAX_MESSAGE_BYTES): AsyncGenerator<CheckInput> {
  for (const arg of args) {
    if (arg === '-') {
      yield judged(STDIN_NAME, await readStdin(maxBytes));
      continue;
    }
    // readMessages reports problems through a callback; they are yielded in the order met.
    const problems: CheckInput[] = [];
    let reported = 0;
    const onProblem = (name: string, problem: string) => {
      problems.push({ name, problem });
      reported++;
    };
    for await (const m of readMessages([arg], { maxMessageBytes: maxBytes, onProblem })) {
      yield* problems.splice(0);
      reported++;
      yield judged(m.path, m.raw);
    }
    yield* problems.splice(0);
    if (reported === 0) yield { name: arg, problem: 'no messages found' };
  }
}

function judged(name: string, raw: Buffer | { problem: string }): CheckInput {
  if (!Buffer.isBuffer(raw)) return { name, ...raw };
  const shape = looksLikeMessage(raw);
  return shape.ok ? { name, raw: withoutMboxFrom(raw) } : { name, problem: shape.reason };
}

/**
 * A message piped from an MDA (procmail, maildrop) may start with the mbox `From ` line; it is
 * the envelope, not a header field, and would otherwise be read as one. (readMessages drops it
 * from mbox files itself.)
 */
function withoutMboxFrom(raw: Buffer): Buffer {
  if (raw.subarray(0, 5).toString('latin1') !== 'From ') return raw;
  const lf = raw.indexOf(0x0a);
  return lf < 0 ? Buffer.alloc(0) : raw.subarray(lf + 1);
}

/** Standard input as one message, refused beyond `maxBytes` as readMessages refuses a file. */
async function readStdin(maxBytes: number): Promise<Buffer | { problem: string }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      // Past the limit only the count goes on, so a runaway pipe cannot exhaust memory.
      if (bytes <= maxBytes) chunks.push(chunk);
    }
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (bytes > maxBytes) return { problem: `message of ${bytes} bytes is larger than the limit of ${maxBytes} bytes; skipped` };
  return Buffer.concat(chunks);
}
