// An MTA-side milter client over node:net, speaking to a milter as Postfix's milter8 client
// does: OPTNEG once, CONNECT and HELO once per connection, then per message
// MAIL/RCPT/DATA/HEADER*/EOH/BODY*/BODYEOB followed by ABORT. Used by the loopback and
// integration tests and the benchmark. The one module of protocol/ with a socket: the codec
// itself stays pure, and this test corner is not exported from index.ts.
import { connect as netConnect, type Socket } from 'node:net';
import { Command, Flag, MAX_BODY_CHUNK } from '../constants.js';
import { FrameDecoder } from '../frame.js';
import { decodeAnswer, mta, type MilterAnswer } from './mta.js';

export type OptNegAnswer = Extract<MilterAnswer, { kind: 'optneg' }>;

/** The answers that end a stage (PROGRESS is not one: it only restarts the MTA's timer). */
export type FinalKind = 'continue' | 'accept' | 'reject' | 'tempfail' | 'discard' | 'replycode';

export interface ClientOptions {
  /** Limit of every single wait: connecting, each reply, the server closing (default 10 s). */
  timeoutMs?: number;
  /** Write every byte separately, yielding to the event loop in between (framing tests). */
  byteByByte?: boolean;
}

export interface NegotiateOptions {
  version?: number;
  actions?: number;
  protocol?: number;
}

export interface ConnectInfo {
  hostname: string;
  address: string;
  port: number;
  /** SMFIA_* family byte; default '4', or '6' when the address contains ':'. */
  family?: '4' | '6' | 'L' | 'U';
}

/** Macros to send before a stage's command (SMFIC_MACRO), keyed by stage. */
export interface StageMacros {
  connect?: Record<string, string>;
  helo?: Record<string, string>;
  mail?: Record<string, string>;
  rcpt?: Record<string, string>;
  data?: Record<string, string>;
  eoh?: Record<string, string>;
  eom?: Record<string, string>;
}

export interface MessageSpec {
  macros?: StageMacros;
  connect: ConnectInfo;
  helo: string;
  /** Envelope sender; angle brackets are added when missing, as Postfix sends them. */
  from: string;
  /** ESMTP arguments of MAIL FROM, e.g. ['SIZE=1234']. */
  mailArgs?: string[];
  rcpts: string[];
  /** Header values without the space after the colon (added back under SMFIP_HDR_LEADSPC). */
  headers: [string, string][];
  body: Buffer | string;
  bodyChunkSize?: number;
}

export interface MessageResult {
  final: FinalKind;
  /** The SMTP reply text of a REPLYCODE answer. */
  replyText?: string;
  /** End-of-message modifications (ADDHEADER, CHGHEADER, ...) in the order received. */
  modifications: MilterAnswer[];
  /** The milter answered SMFIR_SKIP to a body chunk; the rest of the body was not sent. */
  skipped: boolean;
  /** The stage whose answer ended the message ('eom' normally). */
  stage: string;
  /** Body bytes actually sent. */
  bodyBytesSent: number;
  /** From writing MAIL to the final answer, in milliseconds. */
  elapsedMs: number;
}

const FINAL: ReadonlySet<string> = new Set<FinalKind>(['continue', 'accept', 'reject', 'tempfail', 'discard', 'replycode']);
const DEFAULT_TIMEOUT_MS = 10_000;

/** Postfix's milter8 sends each stage's macros with the command byte of that stage. */
const MACRO_STAGE: Record<keyof StageMacros, number> = {
  connect: Command.CONNECT,
  helo: Command.HELO,
  mail: Command.MAIL,
  rcpt: Command.RCPT,
  data: Command.DATA,
  eoh: Command.EOH,
  eom: Command.BODYEOB,
};

export class MtaClient {
  /** The OPTNEG answer once negotiated. */
  negotiated: OptNegAnswer | undefined;
  /** The version this client offered. */
  offeredVersion = 0;
  /** Set once the socket has closed, from either side. */
  closed = false;
  /** Why the client gave up on the stream, if it did. */
  error: Error | undefined;
  /** Every stage whose reply this client waited for and got, in order (e.g. 'connect', 'body'). */
  readonly stagesAnswered: string[] = [];

  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private readonly answers: MilterAnswer[] = [];
  private waiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private closeWaiters: (() => void)[] = [];
  private connected = false;
  private lastHelo: string | undefined;
  /** Frames written since the last flush; sent in one go before the next wait (see flush). */
  private out: Buffer[] = [];
  private readonly timeoutMs: number;
  private readonly byteByByte: boolean;

  private constructor(
    private readonly socket: Socket,
    options: ClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.byteByByte = options.byteByByte ?? false;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.onClose());
  }

  static connect(host: string, port: number, options: ClientOptions = {}): Promise<MtaClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new MtaClient(socket, options));
      });
    });
  }

  /** Protocol flags agreed in OPTNEG (0 before negotiation). */
  get protocol(): number {
    return this.negotiated?.protocol ?? 0;
  }

  /** The version agreed (the offered one before negotiation). */
  get version(): number {
    return this.negotiated?.version ?? this.offeredVersion;
  }

  /** True when the agreed protocol flags include `flag`. */
  agreed(flag: number): boolean {
    return (this.protocol & flag) !== 0;
  }

  async negotiate({ version = 6, actions = 0x1ff, protocol = 0x1fffff }: NegotiateOptions = {}): Promise<OptNegAnswer> {
    this.offeredVersion = version;
    this.queue(mta.optneg(version, actions, protocol));
    const answer = await this.nextFinal('optneg');
    if (answer.kind !== 'optneg') throw new Error(`expected an OPTNEG answer, got ${answer.kind}`);
    // A milter must not turn on what was not offered (Postfix drops the connection if it does).
    if ((answer.actions & ~actions) !== 0 || (answer.protocol & ~protocol) !== 0 || answer.version > version) {
      throw new Error(`milter answered OPTNEG with more than offered: ${JSON.stringify(answer)}`);
    }
    this.negotiated = answer;
    return answer;
  }

  /**
   * CONNECT and HELO: done once per connection (sendMessage calls it when needed; HELO is
   * sent again only when its name changes). Returns the answer that refused, if any.
   */
  async hello(
    spec: Pick<MessageSpec, 'connect' | 'helo' | 'macros'>,
  ): Promise<{ stage: 'connect' | 'helo'; answer: MilterAnswer } | undefined> {
    if (!this.negotiated) throw new Error('negotiate first');
    if (!this.connected) {
      this.connected = true;
      const c = spec.connect;
      const family = c.family ?? (c.address.includes(':') ? '6' : '4');
      const connect = mta.connect(c.hostname, family, c.port, c.address);
      const answer = await this.stage('connect', Flag.NOCONNECT, Flag.NR_CONN, spec.macros, connect);
      if (answer) return { stage: 'connect', answer };
    }
    if (this.lastHelo !== spec.helo) {
      this.lastHelo = spec.helo;
      const answer = await this.stage('helo', Flag.NOHELO, Flag.NR_HELO, spec.macros, mta.helo(spec.helo));
      if (answer) return { stage: 'helo', answer };
    }
    // With no-reply stages nothing was waited for: send now so an idle connection is complete.
    await this.flush();
    return undefined;
  }

  /** One whole message, then ABORT as Postfix sends after every end of message. */
  async sendMessage(spec: MessageSpec): Promise<MessageResult> {
    const refusedEarly = await this.hello(spec);
    const started = performance.now();
    let bodyBytesSent = 0;
    let skipped = false;
    const done = (stage: string, answer: MilterAnswer, modifications: MilterAnswer[] = []): MessageResult => {
      const r: MessageResult = {
        final: answer.kind as FinalKind,
        modifications,
        skipped,
        stage,
        bodyBytesSent,
        elapsedMs: performance.now() - started,
      };
      if (answer.kind === 'replycode') r.replyText = answer.text;
      return r;
    };
    if (refusedEarly) return done(refusedEarly.stage, refusedEarly.answer);

    const from = bracket(spec.from);
    const ended = async (stage: string, answer: MilterAnswer | undefined) => {
      if (!answer) return undefined;
      const result = done(stage, answer);
      await this.abort();
      return result;
    };
    let r = await ended('mail', await this.stage('mail', Flag.NOMAIL, Flag.NR_MAIL, spec.macros, mta.mail(from, ...(spec.mailArgs ?? []))));
    if (r) return r;
    for (const rcpt of spec.rcpts) {
      r = await ended('rcpt', await this.stage('rcpt', Flag.NORCPT, Flag.NR_RCPT, spec.macros, mta.rcpt(bracket(rcpt))));
      if (r) return r;
    }
    // SMFIC_DATA exists from version 4 on; Postfix does not send it to older milters.
    if (this.version >= 4) {
      r = await ended('data', await this.stage('data', Flag.NODATA, Flag.NR_DATA, spec.macros, mta.data()));
      if (r) return r;
    }
    const lead = this.agreed(Flag.HDR_LEADSPC) ? ' ' : '';
    for (const [name, value] of spec.headers) {
      r = await ended('header', await this.stage('header', Flag.NOHDRS, Flag.NR_HDR, undefined, mta.header(name, lead + value)));
      if (r) return r;
    }
    r = await ended('eoh', await this.stage('eoh', Flag.NOEOH, Flag.NR_EOH, spec.macros, mta.eoh()));
    if (r) return r;

    if (!this.agreed(Flag.NOBODY)) {
      const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body;
      const size = Math.min(spec.bodyChunkSize ?? MAX_BODY_CHUNK, MAX_BODY_CHUNK);
      const waitEach = !this.agreed(Flag.NR_BODY);
      for (let off = 0; off < body.length && !skipped; off += size) {
        const chunk = body.subarray(off, off + size);
        // Header and chunk are written separately so the body itself is never copied.
        this.queue(frameHeader(Command.BODY, chunk.length), chunk);
        bodyBytesSent += chunk.length;
        if (!waitEach) continue;
        const answer = await this.nextFinal('body', true);
        this.stagesAnswered.push('body');
        if (answer.kind === 'skip') skipped = true;
        else if (answer.kind !== 'continue') {
          const result = done('body', answer);
          await this.abort();
          return result;
        }
      }
    }

    this.queueMacros(spec.macros, 'eom');
    this.queue(mta.eom());
    const modifications: MilterAnswer[] = [];
    for (;;) {
      const answer = await this.nextFinal('end of message', false, true);
      if (FINAL.has(answer.kind)) {
        this.stagesAnswered.push('eom');
        const result = done('eom', answer, modifications);
        await this.abort();
        return result;
      }
      modifications.push(answer);
    }
  }

  /** SMFIC_ABORT: no reply expected. */
  async abort(): Promise<void> {
    this.queue(mta.abort());
    await this.flush();
  }

  /** SMFIC_QUIT, then waits for the server to close the connection. */
  async quit(): Promise<void> {
    if (this.closed) return;
    this.queue(mta.quit());
    await this.flush();
    await this.waitClosed();
  }

  close(): void {
    this.out = [];
    this.socket.destroy();
  }

  /** Writes raw bytes (after anything queued). */
  async send(buf: Buffer): Promise<void> {
    this.queue(buf);
    await this.flush();
  }

  /** The next answer frame from the server, PROGRESS included. */
  async nextAnswer(timeoutMs = this.timeoutMs): Promise<MilterAnswer> {
    await this.flush();
    if (this.answers.length === 0) await this.waitForAnswer('an answer', timeoutMs);
    return this.answers.shift()!;
  }

  /** Answers received and not yet read. */
  get pendingAnswers(): number {
    return this.answers.length;
  }

  /** Resolves once the connection is closed; rejects after the timeout. */
  waitClosed(timeoutMs = this.timeoutMs): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.closeWaiters = this.closeWaiters.filter((w) => w !== done);
        reject(new Error(`connection still open after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.closeWaiters.push(done);
    });
  }

  /**
   * Sends one stage's macros and command unless the stage was negotiated away, then waits
   * for its reply unless the stage is no-reply. Returns the answer when it was not CONTINUE.
   */
  private async stage(
    name: keyof StageMacros | 'header',
    notSentFlag: number,
    noReplyFlag: number,
    macros: StageMacros | undefined,
    command: Buffer,
  ): Promise<MilterAnswer | undefined> {
    if (this.agreed(notSentFlag)) return undefined;
    if (name !== 'header') this.queueMacros(macros, name);
    this.queue(command);
    if (this.agreed(noReplyFlag)) return undefined;
    const answer = await this.nextFinal(name);
    this.stagesAnswered.push(name);
    return answer.kind === 'continue' ? undefined : answer;
  }

  private queueMacros(macros: StageMacros | undefined, stage: keyof StageMacros): void {
    const m = macros?.[stage];
    if (m) this.queue(mta.macro(MACRO_STAGE[stage], m));
  }

  /** Waits for the stage's answer, skipping PROGRESS; `skipOk` admits SKIP, `modsOk` modifications. */
  private async nextFinal(what: string, skipOk = false, modsOk = false): Promise<MilterAnswer> {
    for (;;) {
      const a = await this.nextAnswer();
      if (a.kind === 'progress') continue;
      if (what === 'optneg' && a.kind === 'optneg') return a;
      if (FINAL.has(a.kind) || (skipOk && a.kind === 'skip')) return a;
      if (modsOk && a.kind !== 'optneg' && a.kind !== 'skip' && a.kind !== 'shutdown' && a.kind !== 'conn_fail') return a;
      throw new Error(`unexpected ${a.kind} answer while waiting for the ${what} reply`);
    }
  }

  private queue(...bufs: Buffer[]): void {
    if (this.closed) throw this.error ?? new Error('connection closed');
    this.out.push(...bufs);
  }

  /** Writes the queued frames: one writev normally, byte by byte in byteByByte mode. */
  private async flush(): Promise<void> {
    if (this.out.length === 0) return;
    const bufs = this.out;
    this.out = [];
    if (this.closed) throw this.error ?? new Error('connection closed');
    if (!this.byteByByte) {
      this.socket.cork();
      for (const b of bufs) this.socket.write(b);
      this.socket.uncork();
      return;
    }
    for (const b of bufs) {
      for (let i = 0; i < b.length; i++) {
        if (this.closed) throw this.error ?? new Error('connection closed');
        this.socket.write(b.subarray(i, i + 1));
        // Let the reading side run between bytes so it really sees them one at a time.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  private waitForAnswer(what: string, timeoutMs: number): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.closed) return Promise.reject(new Error(`connection closed while waiting for ${what}`));
    if (this.waiter) return Promise.reject(new Error('concurrent waits on one connection'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no answer within ${timeoutMs} ms while waiting for ${what}`));
      }, timeoutMs);
      this.waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  private onData(chunk: Buffer): void {
    try {
      for (const f of this.decoder.push(chunk)) this.answers.push(decodeAnswer(f));
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    if (this.answers.length > 0 && this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve();
    }
  }

  private fail(err: Error): void {
    this.error ??= err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  private onClose(): void {
    this.closed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.error ?? new Error('connection closed by the milter'));
    const waiting = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiting) resolve();
  }
}

function bracket(address: string): string {
  return address.startsWith('<') ? address : `<${address}>`;
}

/** The 5 bytes before a frame's data: uint32 length (command byte included) | command. */
function frameHeader(command: number, dataLength: number): Buffer {
  const h = Buffer.allocUnsafe(5);
  h.writeUInt32BE(dataLength + 1, 0);
  h[4] = command;
  return h;
}
