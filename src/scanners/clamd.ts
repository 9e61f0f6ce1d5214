import type { Socket } from 'node:net';
import type { ListenSpec } from '../config/listen-spec.js';
import { connectTo, describeEndpoint, ScannerError } from './connect.js';

// The clamd protocol (clamd(8)): null-terminated "z" commands. zINSTREAM sends the data as
// chunks of <uint32 big-endian length><bytes>, ended by a zero-length chunk; the answer is one
// line: "stream: OK", "stream: NAME FOUND" or "... ERROR". clamd may answer early (its
// StreamMaxLength exceeded) and close while we still write: the answer is read even then.

export type ClamdVerdict =
  | { kind: 'clean' }
  | { kind: 'found'; name: string }
  | { kind: 'error'; message: string; sizeLimit: boolean };

/**
 * An ERROR answer is a fault of the server (clamd shutting down answers "PROTOCOL ERROR", a full
 * disk "Can't create temporary file"): another server may scan the message. Only the size limit
 * is about the message itself, and another clamd would refuse it alike.
 */
export function isServerFault(verdict: ClamdVerdict): boolean {
  return verdict.kind === 'error' && !verdict.sizeLimit;
}

/** Reads one clamd answer line (without its terminating NUL). */
export function parseClamdReply(line: string): ClamdVerdict {
  const text = line.replace(/\0+$/, '').trim();
  const found = /^(?:\d+: )?(?:stream|[^:]*): (.+) FOUND$/.exec(text);
  if (found) return { kind: 'found', name: found[1]!.trim() };
  if (/^(?:\d+: )?(?:stream|[^:]*): OK$/.test(text)) return { kind: 'clean' };
  const message = text.replace(/\s*ERROR$/, '') || 'empty answer';
  return { kind: 'error', message, sizeLimit: /size limit exceeded/i.test(text) };
}

export interface ClamdTimeouts {
  connectMs: number;
  /** How long clamd may take to accept one piece before the scan fails. */
  writeMs: number;
}

const TERMINATOR = Buffer.alloc(4);
const COMMAND = Buffer.from('zINSTREAM\0');

/** Collects one NUL-terminated answer from a socket, whatever happens to our writes. */
class Answer {
  private text = '';
  private line: string | undefined;
  private failure: Error | undefined;
  private readonly waiters: { resolve: (s: string) => void; reject: (e: Error) => void }[] = [];

  constructor(
    socket: Socket,
    private readonly where: string,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      if (this.line !== undefined) return;
      this.text += d;
      const end = this.text.indexOf('\0');
      if (end >= 0) this.settle(this.text.slice(0, end));
    });
    // An error after the answer (EPIPE while clamd closed on us) changes nothing.
    socket.on('error', (err) => this.close(/EPIPE|ECONNRESET/.test(err.message) ? `${err.message} (clamd closed the connection while the message was sent: is clamav.max_bytes above its StreamMaxLength?)` : err.message));
    socket.on('close', () => this.close('closed without an answer'));
  }

  get received(): boolean {
    return this.line !== undefined;
  }

  /** The answer line, or an error once the connection is gone without one. */
  wait(): Promise<string> {
    if (this.line !== undefined) return Promise.resolve(this.line);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  private close(why: string): void {
    if (this.line !== undefined || this.failure) return;
    // A line without its NUL is still clamd's answer (an old clamd, or a close right after it).
    if (this.text.trim() !== '') return this.settle(this.text);
    this.failure = new ScannerError(`${this.where}: ${why}`);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  private settle(line: string): void {
    this.line = line;
    for (const w of this.waiters.splice(0)) w.resolve(line);
  }
}

/** One zINSTREAM scan on its own connection: pieces go in as they come, the answer at the end. */
export class InstreamScan {
  private readonly answer: Answer;
  private readonly where: string;

  private constructor(
    private readonly socket: Socket,
    endpoint: ListenSpec,
    private readonly writeMs: number,
  ) {
    this.where = describeEndpoint(endpoint);
    this.answer = new Answer(socket, this.where);
  }

  /** Connects and starts the stream with its first piece (the headers): one write for both. */
  static async open(endpoint: ListenSpec, t: ClamdTimeouts, first: Buffer, signal?: AbortSignal): Promise<InstreamScan> {
    const socket = await connectTo(endpoint, t.connectMs, signal);
    const scan = new InstreamScan(socket, endpoint, t.writeMs);
    socket.cork();
    socket.write(COMMAND);
    const flushed = scan.frame(first);
    socket.uncork();
    if (!flushed) await scan.drained();
    return scan;
  }

  /**
   * Sends one piece after one turn of the event loop, so an answer clamd already sent is read
   * first: clamd answers early when the stream exceeds its StreamMaxLength and closes, and a
   * write after its close fails with EPIPE and loses the answer. Resolves once clamd has taken
   * the piece (back-pressure).
   */
  async send(data: Buffer): Promise<void> {
    if (data.length === 0) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.answer.received) return;
    if (this.answer.failed) throw this.answer.failed;
    this.socket.cork();
    const flushed = this.frame(data);
    this.socket.uncork();
    if (!flushed) await this.drained();
  }

  /** Ends the stream and waits for clamd's answer (the caller bounds the wait and aborts). */
  async finish(): Promise<ClamdVerdict> {
    if (!this.answer.received && !this.answer.failed) this.socket.write(TERMINATOR);
    try {
      return parseClamdReply(await this.answer.wait());
    } finally {
      this.socket.destroy();
    }
  }

  abort(): void {
    this.socket.destroy();
  }

  /** Writes one chunk with its length; false when the socket's buffer is full. */
  private frame(data: Buffer): boolean {
    if (data.length === 0) return true;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(data.length);
    this.socket.write(length);
    return this.socket.write(data);
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      // Closed while we wrote: the answer (if clamd gave one) is read by finish().
      const onClose = () => done();
      const timer = setTimeout(() => {
        done(new ScannerError(`${this.where}: took no data for ${this.writeMs} ms`));
      }, this.writeMs);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }
}

/** A one-line command (zPING, zVERSION): its answer, within `timeoutMs` overall. */
export async function clamdCommand(endpoint: ListenSpec, command: 'PING' | 'VERSION', timeoutMs: number): Promise<string> {
  const socket = await connectTo(endpoint, timeoutMs);
  const answer = new Answer(socket, describeEndpoint(endpoint));
  const timer = setTimeout(() => socket.destroy(new Error(`no answer to z${command} within ${timeoutMs} ms`)), timeoutMs);
  try {
    socket.write(`z${command}\0`);
    return (await answer.wait()).trim();
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
