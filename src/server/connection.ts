import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameDecoder, ProtocolError, decodeCommand, type Frame } from '../../protocol/index.js';
import { SessionError } from './errors.js';
import type { LogLimiter } from './log-limiter.js';
import { Session, type SessionOptions } from './session.js';

export interface ConnectionOptions extends Pick<SessionOptions, 'settings'> {
  maxFrameBytes: number;
  idleTimeoutMs: number;
  /** Shared by all connections: broken connections are logged once per cause per interval. */
  logLimiter: LogLimiter;
}

/**
 * Glues one socket to one Session: bytes → frames → commands, processed strictly in order.
 * While a command's answer is pending (end of message), reading pauses so frames cannot
 * pile up. Any protocol or state error closes this socket only, logged once.
 */
export class Connection {
  readonly session: Session;
  private readonly decoder: FrameDecoder;
  private readonly queue: Frame[] = [];
  private processing = false;
  private closed = false;
  private corked = false;
  private idleResolvers: (() => void)[] = [];
  private readonly logLimiter: LogLimiter;

  constructor(
    private readonly socket: Socket,
    readonly log: Logger,
    options: ConnectionOptions,
  ) {
    this.logLimiter = options.logLimiter;
    this.decoder = new FrameDecoder(options.maxFrameBytes);
    this.session = new Session({ settings: options.settings, log, send: (f) => this.write(f) });
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      // The MTA is silent while we think: only its silence while we wait counts.
      if (this.session.busy) return;
      this.fail('idle timeout', { idleTimeoutMs: options.idleTimeoutMs });
    });
    socket.on('error', (err) => {
      if (!this.closed) this.logLimiter.warn('connection error', log, { err: err.message }, 'connection error');
    });
    socket.on('close', () => this.onClose());
  }

  /** Resolves once no message is in flight (for graceful shutdown). */
  whenIdle(): Promise<void> {
    if (!this.session.inMessage || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleResolvers.push(resolve));
  }

  /** Closes after flushing what was written (the verdict just sent must reach the MTA). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Drops the connection at once, unsent data included: for peers that broke the protocol. */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /**
   * Frames written in one turn of the event loop (the modifications and the final answer at
   * end of message, the replies to a pipelined batch) leave in one writev, not one syscall each.
   */
  private write(frame: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        if (!this.corked) return;
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail('protocol error', describe(err));
      return;
    }
    for (const f of frames) this.queue.push(f);
    this.pump();
  }

  private pump(): void {
    if (this.processing) return;
    this.processing = true;
    while (this.queue.length > 0 && !this.closed) {
      const frame = this.queue.shift()!;
      let pending: void | Promise<void>;
      try {
        pending = this.session.handle(decodeCommand(frame));
      } catch (err) {
        this.fail('protocol error', describe(err));
        break;
      }
      if (pending) {
        this.socket.pause();
        pending.then(
          () => {
            this.processing = false;
            if (this.closed) return;
            this.socket.resume();
            this.afterCommand();
            this.pump();
          },
          (err: unknown) => {
            this.processing = false;
            this.fail('internal error', describe(err));
          },
        );
        return;
      }
      this.afterCommand();
    }
    this.processing = false;
  }

  private afterCommand(): void {
    if (this.session.state === 'closed') {
      this.close();
      return;
    }
    if (!this.session.inMessage) this.releaseIdle();
  }

  private releaseIdle(): void {
    const waiting = this.idleResolvers;
    this.idleResolvers = [];
    for (const resolve of waiting) resolve();
  }

  private fail(msg: string, detail: Record<string, unknown>): void {
    if (this.closed) return;
    const fields = { ...detail, state: this.session.state, qid: this.session.macro('i') };
    this.logLimiter.warn(msg, this.log, fields, `${msg}; closing connection`);
    if (msg === 'protocol error') this.session.broken();
    this.destroy();
  }

  private onClose(): void {
    this.closed = true;
    this.session.gone();
    this.releaseIdle();
  }
}

function describe(err: unknown): Record<string, unknown> {
  if (err instanceof ProtocolError) {
    return { code: err.code, command: err.command, preview: err.preview, err: err.message };
  }
  if (err instanceof SessionError) return { code: err.code, err: err.message };
  return { err: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
