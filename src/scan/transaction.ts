import type { Logger } from 'pino';
import type { BadEvent } from '../checks/bad-sessions.js';
import type { HeaderClaim, Stage } from '../engine/check.js';
import { addSymbols, blockOf, emptyResult, type CheckFamily, type ScanResult } from '../engine/result.js';
import { BodyTee } from '../message/body-tee.js';
import { Message, type ClientInfo, type EnvelopeAddress } from '../message/message.js';
import { decideFor, type Action, type Verdict } from '../policy/decide.js';
import { headerEdits, type ForgedCopy, type HeaderEdit } from '../policy/header-edits.js';
import { verdictHeaderNames } from '../policy/headers.js';
import type { EffectivePolicy } from '../policy/policies.js';
import { isTemporary, parseSmtpReply, type SmtpReply } from '../policy/reply.js';
import type { Pipeline } from './pipeline.js';
import { greylistByScore } from './score-greylist.js';

// The one scan pipeline, transport-neutral: every front end (the milter session, `thresher
// check`, eval, the benchmark) drives these stages in the MTA's order and gets neutral
// decisions back. Only a front end knows its wire: the milter adapter turns a Decision into
// SMFIR_REPLYCODE and header edits into SMFIR_CHGHEADER/ADDHEADER.

/** The answer to an early stage. */
export type Decision =
  | { kind: 'continue' }
  /** Refused (5xx): the connection, sender or recipient goes no further. */
  | { kind: 'block'; reply: SmtpReply; symbol?: string }
  /** Try again later (4xx). */
  | { kind: 'defer'; reply: SmtpReply; symbol?: string };

export const CONTINUE: Decision = Object.freeze({ kind: 'continue' });

/** Recipients whose policy would judge the message differently are sent back to their own transaction. */
export const OTHER_POLICY_REPLY: SmtpReply = Object.freeze({ code: 452, xcode: '4.5.3', text: 'Recipient filtered by a different policy, send it in a separate transaction' });

export interface RecipientOutcome {
  address: string;
  policy: string;
  action: Action;
}

/** The verdict at end of message, with everything a front end needs to carry it out. */
export interface EndOfMessage {
  verdict: Verdict;
  /** The policy every recipient of this message shares. */
  policy: EffectivePolicy;
  recipients: RecipientOutcome[];
  /** Header edits for a delivered message (accept, mark, quarantine); none otherwise. */
  edits: HeaderEdit[];
  message: Message;
  /** Time from the end of the body to the verdict. */
  ms: number;
}

export interface MailOptions {
  /** The client logged in (SMTP AUTH) before MAIL. */
  authenticated: boolean;
  /** The login name ({auth_authen}), when the front end knows it. */
  user?: string;
}

export interface RcptOptions {
  /**
   * False when the front end cannot answer this recipient on its own (a milter stage agreed as
   * no-reply): the recipient is then accepted whatever the checks say, and that is logged.
   */
  answerable: boolean;
}

/**
 * One client connection's transactions: connect and HELO once, then any number of messages
 * (MAIL ... end of message, or abort). A new MAIL ends the message before it.
 */
export class Transaction {
  private p: Pipeline;
  private client: ClientInfo | undefined;
  private heloName: string | undefined;
  private connResult: ScanResult = emptyResult();
  private m: Message | undefined;
  private msgResult: ScanResult = emptyResult();
  private msgPolicy: EffectivePolicy | undefined;
  private owned: ReadonlyMap<string, OwnedHeader>;
  /** Incoming copies of the headers we own that are forged, per name, in order. */
  private forged = new Map<string, ForgedCopy[]>();
  /** Copies seen so far of each owned name (a forged copy's number counts the kept ones too). */
  private ownedSeen = new Map<string, number>();
  private subject: string | undefined;
  private tee: BodyTee | undefined;
  /** Messages that reached end of message, or were deferred by us, since connect (bad-session accounting). */
  private messages = 0;

  /** @param pipeline the current pipeline: read at connect and at MAIL, so a reload applies to the next message. */
  constructor(
    private readonly pipeline: () => Pipeline,
    private readonly log: Logger,
  ) {
    this.p = pipeline();
    this.owned = ownedNames(this.p);
  }

  /** The message in progress, if any. */
  get message(): Message | undefined {
    return this.m;
  }

  /** True while some check still needs body bytes (the scan budget or a body sink is not full). */
  get wantsBody(): boolean {
    const m = this.m;
    if (m === undefined) return false;
    if (this.tee?.wantsMore) return true;
    return !m.full && this.p.engine.needsBody;
  }

  /** Early stages that have checks make the front end wait for their answer. */
  hasChecks(stage: Stage): boolean {
    return this.p.engine.hasStage(stage);
  }

  connect(client: ClientInfo): Decision | Promise<Decision> {
    this.refresh();
    this.endMessage();
    this.close();
    this.client = client;
    this.messages = 0;
    this.heloName = undefined;
    this.connResult = emptyResult();
    return this.early('connect');
  }

  helo(name: string): Decision | Promise<Decision> {
    this.endMessage();
    this.heloName = name;
    return this.early('helo');
  }

  mail(sender: EnvelopeAddress, o: MailOptions): Decision | Promise<Decision> {
    this.endMessage();
    this.refresh();
    const m = new Message(this.p.limits);
    m.client = this.client;
    m.helo = this.heloName;
    m.authenticated = o.authenticated;
    m.user = o.user;
    m.sender = sender;
    this.m = m;
    this.msgResult = emptyResult();
    this.msgPolicy = undefined;
    this.forged = new Map();
    this.ownedSeen = new Map();
    this.subject = undefined;
    return this.early('mail');
  }

  /**
   * One milter verdict covers the whole message, so all its recipients must share a policy.
   * The first accepted recipient fixes it; a recipient whose policy would judge the message
   * differently is deferred with 452 4.5.3 and the sending MTA delivers it in its own
   * transaction (RFC 5321 4.5.3.1.10), where its own policy decides. No copy is dropped or misjudged.
   */
  rcpt(rcpt: EnvelopeAddress, o: RcptOptions): Decision | Promise<Decision> {
    const m = this.need();
    const policy = this.p.policies.select({
      recipient: rcpt.address,
      sender: m.sender?.address ?? '',
      clientAddress: this.client?.address,
      authenticated: m.authenticated,
    });
    if (this.msgPolicy !== undefined && policy.key !== this.msgPolicy.key) {
      if (o.answerable) {
        this.log.info({ rcpt: rcpt.address, policy: policy.name, messagePolicy: this.msgPolicy.name }, 'recipient deferred to its own transaction: different policy');
        return { kind: 'defer', reply: OTHER_POLICY_REPLY };
      }
      this.log.warn({ rcpt: rcpt.address, policy: policy.name, messagePolicy: this.msgPolicy.name }, 'recipient of another policy cannot be answered on this connection (no-reply negotiated); judged by the message policy');
    }
    // The recipient being checked is the last one while its checks run.
    m.recipients.push(rcpt);
    m.greylisting = policy.greylisting;
    const accept = (d: Decision): Decision => {
      if (d.kind !== 'continue' && !o.answerable) {
        this.log.warn({ rcpt: rcpt.address, symbol: d.symbol }, 'recipient block not answered: stage negotiated as no-reply on this connection');
        d = CONTINUE;
      }
      if (d.kind === 'continue') this.msgPolicy ??= policy;
      else {
        m.recipients.pop();
        // A refusal counts; a deferral (greylisting, a rate limit) is no fault of the client.
        if (d.kind === 'block') this.badEvent('rejected_recipient');
        else this.messages++; // the client did its part: its session does not count as one without a message
      }
      return d;
    };
    const d = this.early('rcpt');
    return d instanceof Promise ? d.then(accept) : accept(d);
  }

  header(name: string, value: string): void {
    const lower = name.toLowerCase();
    const owned = this.owned.get(lower);
    if (owned !== undefined) {
      const copy = (this.ownedSeen.get(lower) ?? 0) + 1;
      this.ownedSeen.set(lower, copy);
      if (owned.forged(value)) {
        const copies = this.forged.get(owned.name) ?? [];
        copies.push({ copy, value });
        this.forged.set(owned.name, copies);
      }
    }
    if (lower === 'subject' && this.subject === undefined) this.subject = value;
    this.need().addHeader(name, value);
  }

  /** The headers are complete: the body sinks of the checks open now. */
  endOfHeaders(): void {
    this.openTee();
  }

  /** A body chunk (CRLF, as the MTA sends it). A promise: a body sink needs the front end to wait before taking more. */
  body(chunk: Buffer): void | Promise<void> {
    this.need().addBody(chunk);
    return this.openTee().write(chunk);
  }

  async endOfMessage(): Promise<EndOfMessage> {
    const m = this.need();
    const p = this.p;
    const started = performance.now();
    const tee = this.openTee();
    await tee.end();
    const result = emptyResult();
    const policy = this.msgPolicy ?? p.policies.fallback;
    const skip = skippedFamilies(policy);
    // Early checks ran before the recipients' policy was known: what a skipped family found then does not count.
    const counted = (s: { name: string }) => {
      const family = p.engine.familyOf(s.name);
      return family === undefined || !skip.has(family);
    };
    addSymbols(result, this.connResult.symbols.filter(counted));
    addSymbols(result, this.msgResult.symbols.filter(counted));
    result.failures.push(...this.connResult.failures, ...this.msgResult.failures);
    for (const f of tee.failures) {
      result.failures.push({ check: f.name, reason: `body: ${f.reason}`, policy: p.engine.failurePolicy(f.name) });
    }
    if (skip.size < 2) await p.engine.run('eom', m, result, this.log, skip);
    const verdict = await greylistByScore(p, m, decideFor(result, policy), policy, this.log);
    this.messages++;
    if (verdict.action === 'reject') this.badEvent('rejected_message');
    const delivered = verdict.action === 'accept' || verdict.action === 'mark' || verdict.action === 'quarantine';
    const edits = delivered ? headerEdits({ verdict, headers: p.headers, forged: this.forged, subject: this.subject, subjectTag: policy.subjectTag }) : [];
    const ms = performance.now() - started;
    p.services.metrics.verdict(verdict.action, ms / 1000, verdict.result.symbols);
    if (p.learn && !policy.bypassSpamChecks) p.background.track(p.engine.afterScan(m, result, this.log));
    return {
      verdict,
      policy,
      recipients: m.recipients.map((r) => ({ address: r.address, policy: policy.name, action: verdict.action })),
      edits,
      message: m,
      ms,
    };
  }

  /** The message is over (answered, aborted or replaced by a new MAIL): its body sinks let go. */
  endMessage(): void {
    this.tee?.abort('message ended');
    this.tee = undefined;
    this.m = undefined;
  }

  /** The client is gone, or a new one comes on the same connection. */
  reset(): void {
    this.endMessage();
    this.close();
    this.client = undefined;
    this.heloName = undefined;
    this.connResult = emptyResult();
  }

  /** The MTA reported an SMTP command it did not know, or broke the conversation: a bad event of the client. */
  protocolError(): void {
    this.badEvent('protocol_error');
  }

  /** The session is over (reset, a new connect, or the connection dropped): bad-session accounting ends it. Idempotent. */
  close(): void {
    const client = this.client;
    if (client === undefined || this.p.sessionEvents === undefined) return;
    this.client = undefined;
    this.p.background.track(this.p.sessionEvents.end(client, this.messages, this.p.services, this.log));
  }

  private badEvent(kind: BadEvent): void {
    if (this.p.sessionEvents !== undefined) this.p.background.track(this.p.sessionEvents.event(this.client, kind, this.p.services, this.log));
  }

  private refresh(): void {
    const next = this.pipeline();
    if (next === this.p) return;
    this.p = next;
    this.owned = ownedNames(next);
  }

  private need(): Message {
    if (this.m === undefined) throw new Error('no message in progress (MAIL first)');
    return this.m;
  }

  private openTee(): BodyTee {
    if (this.tee === undefined) {
      this.tee = new BodyTee(this.p.limits.bodyStallMs);
      const skip = skippedFamilies(this.msgPolicy ?? this.p.policies.fallback);
      for (const sink of this.p.engine.openBody(this.need(), this.log, skip)) this.tee.attach(sink);
    }
    return this.tee;
  }

  /**
   * Runs an early stage's checks and answers it: a hard block (an IP block at connect, a
   * sender block at MAIL), a deferral when a check that fails closed failed, else continue.
   * Without checks for the stage the answer is immediate.
   */
  private early(stage: Exclude<Stage, 'eom'>): Decision | Promise<Decision> {
    const engine = this.p.engine;
    if (!engine.hasStage(stage)) return CONTINUE;
    const m = this.m ?? new Message(this.p.limits);
    m.client ??= this.client;
    m.helo ??= this.heloName;
    const stageResult = emptyResult();
    const started = performance.now();
    return engine.run(stage, m, stageResult, this.log).then((): Decision => {
      this.p.services.metrics.stage(stage, (performance.now() - started) / 1000);
      const block = blockOf(stageResult);
      if (block?.block !== undefined) {
        const reply = parseSmtpReply(block.block);
        this.log.info({ stage, symbol: block.name, detail: block.detail, reply: block.block, rcpt: stage === 'rcpt' ? m.recipients.at(-1)?.address : undefined }, 'blocked');
        return { kind: isTemporary(reply) ? 'defer' : 'block', reply, symbol: block.name };
      }
      const failed = stageResult.failures.find((f) => f.policy === 'tempfail');
      if (failed !== undefined) {
        this.log.warn({ stage, check: failed.check, reason: failed.reason }, 'deferred: a check that fails closed failed');
        return { kind: 'defer', reply: this.p.policies.fallback.policy.checkFailedReply, symbol: undefined };
      }
      const target = stage === 'connect' || stage === 'helo' ? this.connResult : this.msgResult;
      addSymbols(target, stageResult.symbols);
      target.failures.push(...stageResult.failures);
      return CONTINUE;
    });
  }
}

/** A header name Thresher adds: which incoming copies are forged. */
interface OwnedHeader {
  name: string;
  forged(value: string): boolean;
}

const everyCopy = (): boolean => true;

/** The verdict headers (every copy forged) and the names the checks claim (their own rule). */
function ownedNames(p: Pipeline): ReadonlyMap<string, OwnedHeader> {
  const owned = new Map<string, OwnedHeader>();
  for (const name of verdictHeaderNames(p.headers)) owned.set(name.toLowerCase(), { name, forged: everyCopy });
  const claims = new Map<string, HeaderClaim[]>();
  for (const c of p.engine.headerClaims) claims.set(c.name.toLowerCase(), [...(claims.get(c.name.toLowerCase()) ?? []), c]);
  for (const [lower, list] of claims) {
    if (owned.has(lower)) continue;
    const rules = list.map((c) => c.forged ?? everyCopy);
    owned.set(lower, { name: list[0]!.name, forged: (value) => rules.some((r) => r(value)) });
  }
  return owned;
}

/** The check families the recipients' policy switches off. */
function skippedFamilies(policy: EffectivePolicy): ReadonlySet<CheckFamily> {
  const skip = new Set<CheckFamily>();
  if (policy.bypassSpamChecks) skip.add('spam');
  if (policy.bypassVirusChecks) skip.add('virus');
  return skip;
}
