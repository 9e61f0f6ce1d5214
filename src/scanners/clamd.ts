import type { ListenSpec } from '../config/listen-spec.js';
import { openOneOff, type ClamdConnection, type ClamdSessions, type Reply } from './clamd-session.js';
import { ScannerError } from './connect.js';
import type { LeaseOutcome } from './pool.js';

// The clamd protocol (clamd(8)): null-terminated "z" commands. zINSTREAM sends the data as
// chunks of <uint32 big-endian length><bytes>, ended by a zero-length chunk; the answer is one
// line: "stream: OK", "stream: NAME FOUND" or "... ERROR". clamd may answer early (its
// StreamMaxLength exceeded) and close while we still write: the answer is read even then.

export type ClamdVerdict =
  | { kind: 'clean' }
  | { kind: 'found'; name: string }
  | { kind: 'error'; message: string; sizeLimit: boolean };

/**
 * The message of an ERROR answer that is a fault of the server (clamd shutting down answers
 * "PROTOCOL ERROR", a full disk "Can't create temporary file"): another server may scan the
 * message. Only the size limit is about the message itself, and another clamd would refuse it alike.
 */
export function serverFault(verdict: ClamdVerdict): string | undefined {
  return verdict.kind === 'error' && !verdict.sizeLimit ? verdict.message : undefined;
}

/** What an answer tells the server's breaker: a refusal (the size limit) leaves it alive. */
export function leaseOutcomeOf(verdict: ClamdVerdict): LeaseOutcome {
  return serverFault(verdict) !== undefined ? 'failed' : verdict.kind === 'error' ? 'refused' : 'ok';
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
/**
 * Pieces are sent once this much is waiting, and the rest with the end of the stream: most mail
 * fits and goes in one write at its end (each write is a system call and a wake-up of clamd),
 * while each of a milter MTA's 64 KiB body chunks of a larger message goes as it arrives.
 */
const FLUSH_BYTES = 32 * 1024;

/** One zINSTREAM scan on a session connection: pieces go in as they come, the answer at the end. */
export class InstreamScan {
  private readonly reply: Reply;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timedOut = false;
  private finished = false;

  private constructor(
    private readonly sessions: ClamdSessions,
    private readonly conn: ClamdConnection,
    /** The connection was idle before: clamd may have closed it just as it was taken. */
    private readonly reused: boolean,
    private readonly writeMs: number,
  ) {
    const { prefix, reply } = conn.begin('INSTREAM');
    this.reply = reply;
    this.pending.push(prefix);
  }

  /** Takes a connection and queues the stream's first piece (the headers). */
  static async open(sessions: ClamdSessions, t: ClamdTimeouts, first: Buffer, signal?: AbortSignal): Promise<InstreamScan> {
    const { conn, reused } = await sessions.acquire(t.connectMs, signal);
    const scan = new InstreamScan(sessions, conn, reused, t.writeMs);
    scan.queue(first);
    return scan;
  }

  /**
   * The scan failed because a reused connection was closed under it before clamd answered (not
   * by a time limit): the server did nothing wrong, and the message may go again on a new one.
   */
  get stale(): boolean {
    return this.reused && !this.timedOut && !this.reply.received && this.reply.failed !== undefined;
  }

  /**
   * Queues one piece; sends what is queued once it is large enough, and then resolves once clamd
   * has taken it. Queuing alone returns nothing to wait for (most messages fit in one write).
   */
  send(data: Buffer): void | Promise<void> {
    this.queue(data);
    if (this.pendingBytes < FLUSH_BYTES) return;
    return this.flush().catch((err: unknown) => {
      this.sessions.flush();
      throw err;
    });
  }

  /** Ends the stream and waits for clamd's answer (the caller bounds the wait and aborts). */
  async finish(): Promise<ClamdVerdict> {
    let verdict: ClamdVerdict | undefined;
    try {
      if (!this.reply.received && !this.reply.failed) {
        this.pending.push(TERMINATOR);
        this.write();
      }
      verdict = parseClamdReply(await this.reply.wait());
      return verdict;
    } catch (err) {
      this.sessions.flush();
      throw err;
    } finally {
      this.finished = true;
      // After an error answer clamd ends the session: only a scan's answer leaves it usable.
      if (verdict && verdict.kind !== 'error') this.sessions.release(this.conn);
      else this.conn.destroy();
    }
  }

  /** Gives up the scan and its connection; after finish() the connection is no longer this scan's. */
  abort(): void {
    if (!this.finished) this.conn.destroy();
  }

  private queue(data: Buffer): void {
    if (data.length === 0) return;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(data.length);
    this.pending.push(length, data);
    this.pendingBytes += data.length;
  }

  /**
   * Sends the queue after one turn of the event loop, so an answer clamd already sent is read
   * first: clamd answers early when the stream exceeds its StreamMaxLength and closes, and a
   * write after its close fails with EPIPE and loses the answer.
   */
  private async flush(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.reply.received) return this.drop();
    if (this.reply.failed) throw this.reply.failed;
    if (!this.write()) await this.drained();
  }

  /** Writes the queue as one batch; false when the socket's buffer is full. */
  private write(): boolean {
    const socket = this.conn.socket;
    socket.cork();
    let flushed = true;
    for (const piece of this.pending) flushed = socket.write(piece);
    socket.uncork();
    this.drop();
    return flushed;
  }

  private drop(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private drained(): Promise<void> {
    const socket = this.conn.socket;
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        socket.off('drain', onDrain);
        socket.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      // Closed while we wrote: the answer (if clamd gave one) is read by finish().
      const onClose = () => done();
      const timer = setTimeout(() => {
        this.timedOut = true;
        done(new ScannerError(`${this.conn.where}: took no data for ${this.writeMs} ms`));
      }, this.writeMs);
      socket.on('drain', onDrain);
      socket.on('close', onClose);
    });
  }
}

/** A one-line command (zPING, zVERSION) on a connection of its own: its answer, within `timeoutMs` overall. */
export async function clamdCommand(endpoint: ListenSpec, command: 'PING' | 'VERSION', timeoutMs: number): Promise<string> {
  const conn = await openOneOff(endpoint, timeoutMs);
  const timer = setTimeout(() => conn.socket.destroy(new Error(`no answer to z${command} within ${timeoutMs} ms`)), timeoutMs);
  try {
    const { prefix, reply } = conn.begin(command);
    conn.socket.write(prefix);
    return (await reply.wait()).trim();
  } finally {
    clearTimeout(timer);
    conn.destroy();
  }
}
