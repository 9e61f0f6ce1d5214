import type { Socket } from 'node:net';
import type { ListenSpec } from '../config/listen-spec.js';
import { connectTo, describeEndpoint, ScannerError } from './connect.js';

// clamd sessions (clamd(8), IDSESSION): after "zIDSESSION\0" one connection takes command after
// command, each answered by one NUL-terminated line "N: ...". Thresher scans one message at a
// time per connection and keeps the idle ones, so a message costs no TCP connect, accept and
// close (about a third of the check's own CPU). clamd ends an idle session after its IdleTimeout
// (30 s by default): ours is shorter, and a connection clamd closes is dropped when it closes.

/** How long an idle connection is kept: below clamd's default IdleTimeout of 30 s. */
const IDLE_MS = 10_000;

/** One command's answer line: it may come before the command is fully sent (clamd's size limit). */
export class Reply {
  private line: string | undefined;
  private failure: Error | undefined;
  private readonly waiters: { resolve: (s: string) => void; reject: (e: Error) => void }[] = [];

  get received(): boolean {
    return this.line !== undefined;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  wait(): Promise<string> {
    if (this.line !== undefined) return Promise.resolve(this.line);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  settle(line: string): void {
    if (this.line !== undefined || this.failure) return;
    this.line = line;
    for (const w of this.waiters.splice(0)) w.resolve(line);
  }

  fail(err: Error): void {
    if (this.line !== undefined || this.failure) return;
    this.failure = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

/** One connection to clamd, in a session once its first command has gone. */
export class ClamdConnection {
  private text = '';
  private current: Reply | undefined;
  private lost: Error | undefined;
  private inSession = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Called once when the connection closes or fails (the pool forgets it). */
  onLost: (() => void) | undefined;

  constructor(
    readonly socket: Socket,
    readonly where: string,
    /** False for a one-off command (zPING, zVERSION): no session. */
    private readonly session: boolean,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.read(d));
    // An error after the answer (EPIPE while clamd closed on us) changes nothing for that answer.
    socket.on('error', (err) =>
      this.lose(/EPIPE|ECONNRESET/.test(err.message) ? `${err.message} (clamd closed the connection while the message was sent: is clamav.max_bytes above its StreamMaxLength?)` : err.message),
    );
    socket.on('close', () => this.lose('closed without an answer'));
  }

  get alive(): boolean {
    return this.lost === undefined && !this.socket.destroyed;
  }

  /**
   * Starts a command: the bytes to send first (the session opener the first time), and the
   * reply the next answer line settles. One command at a time.
   */
  begin(command: string): { prefix: Buffer; reply: Reply } {
    if (this.current) throw new Error(`${this.where}: a command is still waiting for its answer`);
    const reply = new Reply();
    if (this.lost) reply.fail(this.lost);
    else this.current = reply;
    const prefix = this.session && !this.inSession ? `zIDSESSION\0z${command}\0` : `z${command}\0`;
    this.inSession ||= this.session;
    return { prefix: Buffer.from(prefix, 'latin1'), reply };
  }

  /** Leaves the session politely (clamd closes its side). */
  close(): void {
    this.clearIdle();
    if (this.alive && this.inSession) this.socket.end('zEND\0');
    else this.socket.destroy();
  }

  destroy(): void {
    this.clearIdle();
    this.socket.destroy();
  }

  /** Kept unused: it no longer holds the process open, and closes after `ms`. */
  idle(ms: number, expire: () => void): void {
    this.socket.unref();
    this.idleTimer = setTimeout(expire, ms);
    this.idleTimer.unref();
  }

  /** Taken for a command again. */
  wake(): void {
    this.clearIdle();
    this.socket.ref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private read(d: string): void {
    this.text += d;
    for (let end = this.text.indexOf('\0'); end >= 0; end = this.text.indexOf('\0')) {
      const line = this.text.slice(0, end);
      this.text = this.text.slice(end + 1);
      const reply = this.current;
      this.current = undefined;
      // An answer nobody asked for: the connection is out of step, and no longer to be trusted.
      if (!reply) return this.fail(`answer without a command: ${JSON.stringify(line.slice(0, 80))}`);
      reply.settle(line);
    }
  }

  private fail(why: string): void {
    this.lose(why);
    this.socket.destroy();
  }

  private lose(why: string): void {
    if (this.lost) return;
    this.clearIdle();
    this.lost = new ScannerError(`${this.where}: ${why}`);
    const reply = this.current;
    this.current = undefined;
    // A line without its NUL is still clamd's answer (an old clamd, or a close right after it).
    if (reply && this.text.trim() !== '') reply.settle(this.text);
    else reply?.fail(this.lost);
    this.onLost?.();
  }
}

/** The idle session connections to one clamd, at most `max` of them. */
export class ClamdSessions {
  private readonly idle: ClamdConnection[] = [];
  private readonly where: string;

  constructor(
    private readonly endpoint: ListenSpec,
    private readonly max: number,
  ) {
    this.where = describeEndpoint(endpoint);
  }

  /**
   * A connection for one scan: the most recently used idle one (so extra ones age out), or a
   * new one. `reused`: it was idle, and clamd may have closed it just now.
   */
  async acquire(connectMs: number, signal?: AbortSignal): Promise<{ conn: ClamdConnection; reused: boolean }> {
    for (let conn = this.idle.pop(); conn; conn = this.idle.pop()) {
      conn.onLost = undefined;
      if (!conn.alive) continue;
      conn.wake();
      return { conn, reused: true };
    }
    const socket = await connectTo(this.endpoint, connectMs, signal);
    return { conn: new ClamdConnection(socket, this.where, true), reused: false };
  }

  /** A connection whose command was answered: kept for the next scan, or closed. */
  release(conn: ClamdConnection): void {
    if (!conn.alive || this.idle.length >= this.max) return conn.close();
    const forget = () => {
      const at = this.idle.indexOf(conn);
      if (at >= 0) this.idle.splice(at, 1);
    };
    conn.onLost = forget;
    conn.idle(IDLE_MS, () => {
      forget();
      conn.close();
    });
    this.idle.push(conn);
  }

  /** Closes every idle connection: one of them failed, so the others likely will (clamd restarted). */
  flush(): void {
    for (const conn of this.idle.splice(0)) {
      conn.onLost = undefined;
      conn.destroy();
    }
  }
}

/** A one-off connection for one command (zPING, zVERSION). */
export async function openOneOff(endpoint: ListenSpec, timeoutMs: number): Promise<ClamdConnection> {
  const socket = await connectTo(endpoint, timeoutMs);
  return new ClamdConnection(socket, describeEndpoint(endpoint), false);
}
