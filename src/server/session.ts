import type { Logger } from 'pino';
import {
  Action,
  Flag,
  actionFor,
  encodeModification,
  encodeReply,
  negotiate,
  noReplyFlag,
  parseReplyCode,
  type MilterCommand,
  type MilterReply,
  type Modification,
  type Negotiated,
  type ReplyStage,
  type Wants,
} from '../../protocol/index.js';
import type { Stage } from '../engine/check.js';
import type { Engine } from '../engine/engine.js';
import { addSymbols, blockOf, emptyResult, type ScanResult } from '../engine/result.js';
import { Message, type ClientInfo, type EnvelopeAddress, type ScanLimits } from '../message/message.js';
import { decideFor, type Verdict } from '../policy/decide.js';
import type { EffectivePolicy, PolicyBook } from '../policy/policies.js';
import { planHeaderEdits, taggedSubject } from '../policy/header-plan.js';
import { isSpam, verdictHeaderNames, verdictHeaders, type HeaderConfig } from '../policy/headers.js';
import { SessionError } from './errors.js';
import { Macros } from './macros.js';

/** What a session works with; swapped whole on reload (see `settings`). */
export interface Settings {
  engine: Engine;
  policies: PolicyBook;
  headers: HeaderConfig;
  wants: Wants;
  limits: ScanLimits & { progressIntervalMs: number };
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

/** One MTA connection's milter state machine. Commands in, encoded replies out. */
export class Session {
  state: SessionState = 'optneg';
  negotiated: Negotiated | undefined;
  /** True while end-of-message checks run. */
  busy = false;

  private readonly macros = new Macros();
  private client: ClientInfo | undefined;
  private helo: string | undefined;
  private connResult: ScanResult = emptyResult();
  private message: Message | undefined;
  private msgResult: ScanResult = emptyResult();
  private s: Settings;
  /** Lower-case names of the headers we own. */
  private owned: ReadonlyMap<string, string>;
  /** Incoming copies of the headers we own (forged verdicts), per name, values in order. */
  private forged = new Map<string, string[]>();
  /** The first Subject as received, for the spam prefix. */
  private subject: string | undefined;
  /** The policy every accepted recipient of this message shares. */
  private msgPolicy: EffectivePolicy | undefined;
  private skipSent = false;

  constructor(private readonly o: SessionOptions) {
    this.s = o.settings();
    this.owned = ownedNames(this.s);
  }

  private refresh(): void {
    const next = this.o.settings();
    if (next === this.s) return;
    this.s = next;
    this.owned = ownedNames(next);
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
        this.client = { hostname: cmd.hostname, address: cmd.address, port: cmd.port, family: cmd.family };
        this.state = 'ready';
        return this.early('connect', 'connection');
      case 'helo':
        this.expect(cmd.kind, 'ready', 'done', 'envelope');
        this.endMessage();
        this.helo = cmd.name;
        this.state = 'ready';
        return this.early('helo', 'connection');
      case 'mail':
        // A MAIL after the end of a message without ABORT starts a new one (implicit abort).
        this.expect(cmd.kind, 'ready', 'done', 'envelope');
        this.endMessage();
        this.startMessage(cmd.address, cmd.args);
        return this.early('mail', 'message');
      case 'rcpt':
        this.expect(cmd.kind, 'envelope');
        return this.onRcpt({ address: stripBrackets(cmd.address), args: cmd.args });
      case 'data':
        this.expect(cmd.kind, 'envelope');
        this.state = 'headers';
        this.reply('data', { kind: 'continue' });
        return;
      case 'header':
        this.expect(cmd.kind, 'envelope', 'headers');
        this.state = 'headers';
        this.onHeader(cmd.name, cmd.value);
        this.reply('header', { kind: 'continue' });
        return;
      case 'eoh':
        this.expect(cmd.kind, 'envelope', 'headers');
        this.state = 'body';
        this.reply('eoh', { kind: 'continue' });
        return;
      case 'body':
        this.expect(cmd.kind, 'body');
        this.onBody(cmd.chunk);
        return;
      case 'eom':
        this.expect(cmd.kind, 'body', 'headers');
        if (cmd.chunk.length > 0) this.message!.addBody(cmd.chunk);
        return this.onEndOfMessage();
      case 'unknown':
        this.expectNot(cmd.kind, 'optneg', 'connect');
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
        this.client = undefined;
        this.helo = undefined;
        this.connResult = emptyResult();
        this.state = 'connect';
        return;
      case 'quit':
        this.endMessage();
        this.state = 'closed';
        return;
    }
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

  private startMessage(address: string, args: string[]): void {
    this.refresh();
    const m = new Message(this.s.limits);
    m.client = this.client;
    m.helo = this.helo;
    m.authenticated = this.authenticated();
    m.sender = { address: stripBrackets(address), args };
    this.message = m;
    this.msgResult = emptyResult();
    this.forged = new Map();
    this.subject = undefined;
    this.msgPolicy = undefined;
    this.skipSent = false;
    this.state = 'envelope';
  }

  private endMessage(): void {
    if (this.message !== undefined) this.macros.clearMessage();
    this.message = undefined;
  }

  /**
   * Runs an early stage's checks before answering it, so a hard block (an IP block at
   * connect, a sender block at MAIL) is answered at once. Without checks for the stage the
   * answer is immediate (and usually not even sent: the stage was negotiated as no-reply).
   * A recipient is added to the message only if it was not blocked.
   */
  private early(
    stage: Stage & ReplyStage,
    scope: 'connection' | 'message',
    rcpt?: EnvelopeAddress,
    accepted?: () => void,
  ): void | Promise<void> {
    if (!this.s.engine.hasStage(stage)) {
      if (rcpt) this.message!.recipients.push(rcpt);
      accepted?.();
      this.reply(stage, { kind: 'continue' });
      return;
    }
    const m = this.message ?? new Message(this.s.limits);
    m.client ??= this.client;
    m.helo ??= this.helo;
    const stageResult = emptyResult();
    // The recipient being checked is the last one while its checks run.
    if (rcpt) m.recipients.push(rcpt);
    return this.s.engine.run(stage, m, stageResult, this.o.log).then(() => {
      const block = blockOf(stageResult);
      if (block?.block !== undefined && this.agreed(noReplyFlag(stage))) {
        // Negotiated before a reload added this check: the MTA waits for no answer here.
        this.o.log.warn({ stage, symbol: block.name }, 'block not answered: stage negotiated as no-reply on this connection');
      } else if (block?.block !== undefined) {
        if (rcpt) m.recipients.pop();
        this.o.log.info({ stage, symbol: block.name, detail: block.detail, reply: block.block, rcpt: rcpt?.address }, 'blocked');
        this.o.send(encodeReply(parseReplyCode(block.block)));
        return;
      }
      accepted?.();
      const target = scope === 'connection' ? this.connResult : this.msgResult;
      addSymbols(target, stageResult.symbols);
      target.failures.push(...stageResult.failures);
      this.reply(stage, { kind: 'continue' });
    });
  }

  /**
   * One milter verdict covers the whole message, so all its recipients must share a policy.
   * The first accepted recipient fixes it; a recipient whose policy would judge the message
   * differently gets 452 4.5.3 and the sending MTA delivers it in its own transaction
   * (RFC 5321 4.5.3.1.10), where its own policy decides. No copy is dropped or misjudged.
   */
  private onRcpt(rcpt: EnvelopeAddress): void | Promise<void> {
    const m = this.message!;
    const policy = this.s.policies.select({
      recipient: rcpt.address,
      sender: m.sender?.address ?? '',
      clientAddress: this.client?.address,
      authenticated: this.authenticated(),
    });
    if (this.msgPolicy !== undefined && policy.key !== this.msgPolicy.key && !this.agreed(noReplyFlag('rcpt'))) {
      this.o.log.info({ rcpt: rcpt.address, policy: policy.name, messagePolicy: this.msgPolicy.name }, 'recipient deferred to its own transaction: different policy');
      this.o.send(encodeReply({ kind: 'replycode', code: 452, xcode: '4.5.3', text: 'Recipient filtered by a different policy, send it in a separate transaction' }));
      return;
    }
    return this.early('rcpt', 'message', rcpt, () => {
      this.msgPolicy ??= policy;
    });
  }

  private onHeader(name: string, rawValue: string): void {
    // With SMFIP_HDR_LEADSPC the value keeps the space after the colon; checks see it without.
    const value = this.agreed(Flag.HDR_LEADSPC) && rawValue.startsWith(' ') ? rawValue.slice(1) : rawValue;
    const lower = name.toLowerCase();
    const owned = this.owned.get(lower);
    if (owned !== undefined) {
      const values = this.forged.get(owned) ?? [];
      values.push(value);
      this.forged.set(owned, values);
    }
    if (lower === 'subject' && this.subject === undefined) this.subject = value;
    this.message!.addHeader(name, value);
  }

  private onBody(chunk: Buffer): void {
    const m = this.message!;
    m.addBody(chunk);
    if (this.agreed(Flag.NR_BODY)) return;
    const enough = m.full || !this.s.engine.needsBody;
    if (enough && !this.skipSent && this.agreed(Flag.SKIP)) {
      this.skipSent = true;
      this.o.send(encodeReply({ kind: 'skip' }));
      return;
    }
    this.o.send(encodeReply({ kind: 'continue' }));
  }

  private async onEndOfMessage(): Promise<void> {
    const m = this.message!;
    const started = performance.now();
    this.busy = true;
    const progress =
      (this.negotiated?.version ?? 0) >= 6
        ? setInterval(() => this.o.send(encodeReply({ kind: 'progress' })), this.s.limits.progressIntervalMs)
        : undefined;
    progress?.unref();
    try {
      const result = emptyResult();
      addSymbols(result, this.connResult.symbols);
      addSymbols(result, this.msgResult.symbols);
      result.failures.push(...this.connResult.failures, ...this.msgResult.failures);
      const policy = this.msgPolicy ?? this.s.policies.fallback;
      if (!policy.bypassSpamChecks) await this.s.engine.run('eom', m, result, this.o.log);
      const verdict = decideFor(result, policy);
      clearInterval(progress);
      this.answer(verdict);
      this.logVerdict(m, verdict, performance.now() - started);
      if (!policy.bypassSpamChecks) this.s.engine.afterScan(m, result, this.o.log);
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

  private answer(v: Verdict): void {
    switch (v.action) {
      case 'reject':
      case 'tempfail':
        this.o.send(encodeReply(v.reply!));
        return;
      case 'discard':
        this.o.send(encodeReply({ kind: 'discard' }));
        return;
      default:
        break;
    }
    const h = this.s.headers;
    const prefix = h.subject_prefix;
    const plan = planHeaderEdits({
      forged: this.forged,
      forgedMode: h.forged,
      forgedPrefix: h.forged_prefix,
      subject: prefix !== null && isSpam(v) && (this.msgPolicy ?? this.s.policies.fallback).subjectTag ? { value: taggedSubject(this.subject, prefix), exists: this.subject !== undefined } : undefined,
      add: verdictHeaders(v, h),
      leadSpace: this.agreed(Flag.HDR_LEADSPC),
    });
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

  private logVerdict(m: Message, v: Verdict, ms: number): void {
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
        policy: this.msgPolicy?.name,
        bytes: m.bodyBytes,
        ms: Math.round(ms * 10) / 10,
      },
      'message decided',
    );
  }
}

function ownedNames(s: Settings): ReadonlyMap<string, string> {
  return new Map(verdictHeaderNames(s.headers).map((n) => [n.toLowerCase(), n]));
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
