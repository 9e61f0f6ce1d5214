import type { Logger } from 'pino';
import type { Message } from '../message/message.js';
import type { ScanResult } from './result.js';

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
}

export interface CheckContext {
  message: Message;
  /** Aborted when the check's time limit is reached. */
  signal: AbortSignal;
  log: Logger;
}

/** One check family. A check never talks to the milter session: it returns hits. */
export interface Check {
  name: string;
  stage: Stage;
  symbols: Record<string, SymbolDef>;
  /** Needs the body at end of message (otherwise the body transfer can be skipped). */
  needsBody?: boolean;
  run(ctx: CheckContext): Hit[] | Promise<Hit[]>;
  /**
   * End-of-message checks only: called once the message's final result is known, after the
   * reply went to the MTA, to learn from it (Bayes autolearn). Best effort: an error (or a
   * rejected promise) is logged and changes nothing.
   */
  afterScan?(ctx: Omit<CheckContext, 'signal'>, result: Readonly<ScanResult>): void | Promise<void>;
}
