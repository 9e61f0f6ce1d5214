import type { Logger } from 'pino';
import {
  Action,
  Flag,
  actionFor,
  encodeModification,
  encodeReply,
  negotiate,
  noReplyFlag,
  type MilterCommand,
  type MilterReply,
  type Negotiated,
  type ReplyCode,
  type ReplyStage,
  type Wants,
} from '../../protocol/index.js';
import type { SmtpReply } from '../policy/reply.js';
import type { Pipeline } from '../scan/pipeline.js';
import { Transaction, type Decision, type EndOfMessage } from '../scan/transaction.js';
import { SessionError } from './errors.js';
import { planHeaderEdits } from './header-plan.js';
import { Macros } from './macros.js';

/** What a session works with; swapped whole on reload (see `settings`). */
export interface Settings {
  pipeline: Pipeline;
  wants: Wants;
  progressIntervalMs: number;
}

export interface SessionOptions {
  /**
   * The current settings. Read at negotiation, at CONNECT and at MAIL: a reload applies to
   * the next message, never to one in flight.
   */
  settings: () => Settings;
  log: Logger;
  /** Writes one encoded frame to the MTA. */
  send(frame: Buffer): void;
}

/**
 * Where the conversation is. `ready`: after CONNECT/HELO, between messages;
 * `envelope`: after MAIL; `headers`: after DATA or the first header; `body`: after EOH;
 * `done`: end of message answered, waiting for ABORT, MAIL or QUIT.
 */
export type SessionState = 'optneg' | 'connect' | 'ready' | 'envelope' | 'headers' | 'body' | 'done' | 'closed';

/**
 * One MTA connection's milter state machine: the adapter between the milter protocol and the
 * transport-neutral Transaction. Commands in, encoded replies out.
 */
export class Session {
  state: SessionState = 'optneg';
  negotiated: Negotiated | undefined;
  /** True while end-of-message checks run. */
  busy = false;

  private readonly macros = new Macros();
  private readonly tx: Transaction;
  private s: Settings;
  private skipSent = false;

  constructor(private readonly o: SessionOptions) {
    this.s = o.settings();
    this.tx = new Transaction(() => this.s.pipeline, o.log);
  }

  private refresh(): void {
    this.s = this.o.settings();
  }

  /** Between MAIL and the end-of-message answer: shutdown waits for this to end. */
  get inMessage(): boolean {
    return this.busy || this.state === 'envelope' || this.state === 'headers' || this.state === 'body';
  }

  /** Handles one command; returns a promise only when the answer needs async work. */
  handle(cmd: MilterCommand): void | Promise<void> {
    this.o.log.debug({ cmd: cmd.kind }, 'milter command');
    switch (cmd.kind) {
      case 'optneg':
        this.expect(cmd.kind, 'optneg', 'connect');
        this.onOptNeg(cmd);
        return;
      case 'macro':
        this.expectNot(cmd.kind, 'optneg');
        this.macros.set(cmd.stage, cmd.macros);
        return;
      case 'connect':
        this.expect(cmd.kind, 'connect');
        this.refresh();
        this.state = 'ready';
        return this.answer('connect', this.tx.connect({ hostname: cmd.hostname, address: cmd.address, port: cmd.port, family: cmd.family }));
      case 'helo':
        this.expect(cmd.kind, 'ready', 'done', 'envelope');
        this.endMessage();
        this.state = 'ready';
        return this.answer('helo', this.tx.helo(cmd.name));
      case 'mail':
        // A MAIL after the end of a message without ABORT starts a new one (implicit abort).
        this.expect(cmd.kind, 'ready', 'done', 'envelope');
        this.endMessage();
        this.refresh();
        this.skipSent = false;
        this.state = 'envelope';
        return this.answer('mail', this.tx.mail({ address: stripBrackets(cmd.address), args: cmd.args }, { authenticated: this.authenticated(), user: this.macro('auth_authen') || undefined }));
      case 'rcpt':
        this.expect(cmd.kind, 'envelope');
        return this.answer('rcpt', this.tx.rcpt({ address: stripBrackets(cmd.address), args: cmd.args }, { answerable: !this.agreed(noReplyFlag('rcpt')) }));
      case 'data':
        this.expect(cmd.kind, 'envelope');
        this.state = 'headers';
        this.reply('data', { kind: 'continue' });
        return;
      case 'header':
        this.expect(cmd.kind, 'envelope', 'headers');
        this.state = 'headers';
        // With SMFIP_HDR_LEADSPC the value keeps the space after the colon; checks see it without.
        this.tx.header(cmd.name, this.agreed(Flag.HDR_LEADSPC) && cmd.value.startsWith(' ') ? cmd.value.slice(1) : cmd.value);
        this.reply('header', { kind: 'continue' });
        return;
      case 'eoh':
        this.expect(cmd.kind, 'envelope', 'headers');
        this.state = 'body';
        this.tx.endOfHeaders();
        this.reply('eoh', { kind: 'continue' });
        return;
      case 'body':
        this.expect(cmd.kind, 'body');
        return this.onBody(cmd.chunk);
      case 'eom':
        this.expect(cmd.kind, 'body', 'headers');
        return this.onEndOfMessage(cmd.chunk);
      case 'unknown':
        this.expectNot(cmd.kind, 'optneg', 'connect');
        this.tx.protocolError();
        this.reply('unknown', { kind: 'continue' });
        return;
      case 'abort':
        // Postfix sends ABORT after RSET and after every end of message: back to after HELO.
        this.expectNot(cmd.kind, 'optneg');
        this.endMessage();
        if (this.state !== 'connect') this.state = 'ready';
        return;
      case 'quit_nc':
        // Quit, New Connection: the next CONNECT reuses this socket and negotiation.
        this.expectNot(cmd.kind, 'optneg');
        this.endMessage();
        this.macros.clearAll();
        this.tx.reset();
        this.state = 'connect';
        return;
      case 'quit':
        this.endMessage();
        this.tx.reset();
        this.state = 'closed';
        return;
    }
  }

  /** The connection broke the milter protocol (the connection closes it). */
  broken(): void {
    this.tx.protocolError();
  }

  /** The connection is gone, with or without QUIT: the client's session ends. */
  gone(): void {
    this.tx.close();
  }

  /** Macro value by name, latest stage first (`i` is Postfix's queue id). */
  macro(name: string): string | undefined {
    return this.macros.get(name);
  }

  /** The MTA says the client authenticated (Postfix and Sendmail send {auth_authen} with MAIL). */
  private authenticated(): boolean {
    return (this.macro('auth_authen') ?? '') !== '';
  }

  private expect(kind: string, ...states: SessionState[]): void {
    if (!states.includes(this.state)) {
      throw new SessionError('OUT_OF_ORDER', `${kind} not allowed in state ${this.state}`);
    }
  }

  private expectNot(kind: string, ...states: SessionState[]): void {
    if (states.includes(this.state)) {
      throw new SessionError('OUT_OF_ORDER', `${kind} not allowed in state ${this.state}`);
    }
  }

  private granted(action: number): boolean {
    return ((this.negotiated?.actions ?? 0) & action) !== 0;
  }

  private agreed(flag: number): boolean {
    return ((this.negotiated?.protocol ?? 0) & flag) !== 0;
  }

  /** Sends a stage's reply unless the MTA agreed not to wait for one (SMFIP_NR_*). */
  private reply(stage: ReplyStage, r: MilterReply): void {
    if (this.agreed(noReplyFlag(stage))) return;
    this.o.send(encodeReply(r));
  }

  private onOptNeg(cmd: Extract<MilterCommand, { kind: 'optneg' }>): void {
    this.refresh();
    let n: Negotiated;
    try {
      n = negotiate(cmd, this.s.wants);
    } catch (err) {
      throw new SessionError('NEGOTIATION', (err as Error).message);
    }
    this.negotiated = n;
    if (n.missingActions !== 0) {
      this.o.log.error(
        { missing: actionNames(n.missingActions), offered: cmd.actions },
        'MTA did not grant required milter actions: verdict headers cannot be added (check the MTA milter configuration)',
      );
    }
    this.o.log.debug({ version: n.version, actions: n.actions, protocol: n.protocol }, 'negotiated');
    this.state = 'connect';
    this.o.send(n.reply);
  }

  private endMessage(): void {
    if (this.tx.message !== undefined) this.macros.clearMessage();
    this.tx.endMessage();
  }

  /** Answers an early stage with the transaction's decision, at once or when its checks are done. */
  private answer(stage: ReplyStage, d: Decision | Promise<Decision>): void | Promise<void> {
    if (d instanceof Promise) return d.then((decision) => this.send(stage, decision));
    this.send(stage, d);
  }

  private send(stage: ReplyStage, d: Decision): void {
    if (d.kind === 'continue') {
      this.reply(stage, { kind: 'continue' });
      return;
    }
    if (this.agreed(noReplyFlag(stage))) {
      // Negotiated before a reload added this check: the MTA waits for no answer here.
      this.o.log.warn({ stage, symbol: d.symbol }, 'block not answered: stage negotiated as no-reply on this connection');
      return;
    }
    this.o.send(encodeReply(replyCode(d.reply)));
  }

  private onBody(chunk: Buffer): void | Promise<void> {
    const pending = this.tx.body(chunk);
    // A body sink that cannot keep up holds our answer back, so the MTA waits with the next chunk.
    if (pending) return pending.then(() => this.answerBody());
    this.answerBody();
  }

  private answerBody(): void {
    if (this.agreed(Flag.NR_BODY)) return;
    if (!this.tx.wantsBody && !this.skipSent && this.agreed(Flag.SKIP)) {
      this.skipSent = true;
      this.o.send(encodeReply({ kind: 'skip' }));
      return;
    }
    this.o.send(encodeReply({ kind: 'continue' }));
  }

  private async onEndOfMessage(lastChunk: Buffer): Promise<void> {
    this.busy = true;
    const progress =
      (this.negotiated?.version ?? 0) >= 6
        ? setInterval(() => this.o.send(encodeReply({ kind: 'progress' })), this.s.progressIntervalMs)
        : undefined;
    progress?.unref();
    try {
      if (lastChunk.length > 0) await this.tx.body(lastChunk);
      const eom = await this.tx.endOfMessage();
      clearInterval(progress);
      this.carryOut(eom);
      this.logVerdict(eom);
    } catch (err) {
      // An engine bug must not lose mail: accept unscored, loudly.
      clearInterval(progress);
      this.o.log.error({ err, qid: this.macro('i') }, 'end-of-message processing failed; accepting unscored');
      this.o.send(encodeReply({ kind: 'continue' }));
    } finally {
      this.busy = false;
      this.state = 'done';
    }
  }

  private carryOut(eom: EndOfMessage): void {
    const v = eom.verdict;
    switch (v.action) {
      case 'reject':
      case 'tempfail':
        this.o.send(encodeReply(replyCode(v.reply!)));
        return;
      case 'discard':
        this.o.send(encodeReply({ kind: 'discard' }));
        return;
      default:
        break;
    }
    const plan = planHeaderEdits(eom.edits, this.agreed(Flag.HDR_LEADSPC));
    if (v.action === 'quarantine') plan.push({ kind: 'quarantine', reason: v.reason! });
    for (const mod of plan) {
      if (!this.granted(actionFor(mod.kind))) {
        this.o.log.warn({ modification: mod.kind, qid: this.macro('i') }, 'MTA did not grant the action this modification needs; skipped');
        continue;
      }
      for (const frame of encodeModification(mod)) this.o.send(frame);
    }
    this.o.send(encodeReply({ kind: 'continue' }));
  }

  private logVerdict(eom: EndOfMessage): void {
    const { verdict: v, message: m } = eom;
    this.o.log.info(
      {
        qid: this.macro('i'),
        client: m.client?.address,
        from: m.sender?.address,
        rcpt: m.recipients.map((r) => r.address),
        score: v.score,
        action: v.action,
        symbols: v.result.symbols.map((s) => `${s.name}(${s.score})`),
        failures: v.result.failures.length > 0 ? v.result.failures : undefined,
        policy: eom.policy.name,
        bytes: m.bodyBytes,
        ms: Math.round(eom.ms * 10) / 10,
      },
      'message decided',
    );
  }
}

function replyCode(r: SmtpReply): ReplyCode {
  return { kind: 'replycode', ...r };
}

function stripBrackets(address: string): string {
  const a = address.trim();
  return a.startsWith('<') && a.endsWith('>') ? a.slice(1, -1) : a;
}

function actionNames(mask: number): string[] {
  return Object.entries(Action)
    .filter(([, bit]) => (mask & bit) !== 0)
    .map(([name]) => name);
}
