import type { Logger } from 'pino';
import type { BodySink } from '../message/body-tee.js';
import type { Message } from '../message/message.js';
import type { Services } from '../scan/services.js';
import type { CheckFamily, FailurePolicy, Outcome, ScanResult } from './result.js';

/** When a check runs: as soon as its evidence exists, so early stages can answer early. */
export type Stage = 'connect' | 'helo' | 'mail' | 'rcpt' | 'eom';

/** A symbol a check may emit, with its default score (overridable in config `scores`). */
export interface SymbolDef {
  score: number;
  description: string;
}

/** Evidence found by a check; policy turns evidence into a verdict. */
export interface Hit {
  symbol: string;
  /** Short detail for logs and X-Spam-Result, e.g. the matched value. */
  detail?: string;
  /**
   * A hard block: answer the MTA at once with this SMTP reply (an IP block at connect, a
   * sender block at MAIL). Only honoured at early stages; the symbol is still recorded.
   */
  block?: string;
  /**
   * End of message only: the finding decides the message whatever the score (a virus with
   * the virus action, DMARC p=reject when the admin applies it), unless the policy waives it.
   */
  outcome?: Outcome;
}

/**
 * A header name a check adds itself: incoming copies a sender could have forged are removed
 * (or renamed, as headers.forged says) from delivered mail.
 */
export interface HeaderClaim {
  name: string;
  /** Only the copies this returns true for are forged (an Authentication-Results of another host is kept); default: every copy. */
  forged?(value: string): boolean;
}

export interface CheckContext {
  message: Message;
  /** Aborted when the check's time limit is reached. */
  signal: AbortSignal;
  /** The message's logger. */
  log: Logger;
  services: Services;
  /** Adds a header to the message if it is delivered (claim its name in `Check.headers`); dropped if the check fails. */
  addHeader(name: string, value: string): void;
}

/** One check family. A check never talks to the milter session: it returns hits. */
export interface Check {
  name: string;
  stage: Stage;
  symbols: Record<string, SymbolDef>;
  /**
   * Symbols named at run time, each `prefix` + a name the check learns from elsewhere (a remote
   * SpamAssassin's rule names: SA_BAYES_99). Scored `def.score` unless `scores` names one.
   */
  symbolPrefixes?: Readonly<Record<string, SymbolDef>>;
  /** Which policy switches govern it; default `spam`. */
  family?: CheckFamily;
  /** Headers it adds (`ctx.addHeader`) whose incoming copies are forged. */
  headers?: readonly HeaderClaim[];
  /** Needs the body at end of message (otherwise the body transfer can be skipped). */
  needsBody?: boolean;
  /** Its own time limit; default: limits.check_timeout_seconds. */
  timeoutMs?: number;
  /**
   * What its failure or time-out means: `open` (default) scores the message without it;
   * `tempfail` defers the message (4xx) so the MTA retries and nothing passes unchecked.
   */
  onFailure?: FailurePolicy;
  run(ctx: CheckContext): Hit[] | Promise<Hit[]>;
  /**
   * Called when the body starts (end of headers): a sink returned here receives every body
   * chunk as it arrives, whole and in order, up to the sink's own limit and independent of
   * limits.max_scan_bytes (DKIM body hashes, a virus scanner's stream, a quarantine spool).
   * The check finds what its sink gathered when `run` is called at end of message.
   */
  openBody?(ctx: Omit<CheckContext, 'signal' | 'addHeader'>): BodySink | undefined;
  /**
   * End-of-message checks only: called once the message's final result is known, after the
   * reply went to the MTA, to learn from it (Bayes autolearn). Best effort: an error is
   * logged and changes nothing.
   */
  afterScan?(ctx: Omit<CheckContext, 'signal' | 'addHeader'>, result: Readonly<ScanResult>): void | Promise<void>;
  /**
   * Called once when a server starts: asks the check's remote servers who they are (clamd's
   * zVERSION), for the ready line. Each server's answer, or why there is none; never throws.
   */
  probe?(ctx: { log: Logger; services: Services }): Promise<Record<string, string>>;
}
