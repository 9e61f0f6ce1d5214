/** A symbol with its score as it ends up in the verdict. */
export interface ScoredSymbol {
  name: string;
  score: number;
  description: string;
  detail?: string;
  /** SMTP reply for a hard block (see Hit.block). */
  block?: string;
  /** The finding decides the message by itself (see Hit.outcome). */
  outcome?: Outcome;
}

/**
 * Which policy switches govern a check: `spam` checks are skipped by bypass_spam_checks and
 * their outcomes waived for spam lovers; `virus` checks by bypass_virus_checks and virus_lover.
 */
export type CheckFamily = 'spam' | 'virus';

/**
 * A finding that decides the message on its own, whatever the score: a virus (clamd), a
 * domain's DMARC p=reject. The recipients' policy may waive it (a virus lover gets the virus).
 */
export interface Outcome {
  family: CheckFamily;
  action: 'quarantine' | 'reject' | 'discard';
  /** The SMTP reply of a reject, e.g. `554 5.7.1 Virus found: Eicar-Test-Signature`. */
  reply?: string;
  /** The hold reason of a quarantine. */
  reason?: string;
}

/** A header a check adds to a delivered message (X-Virus-Status, Authentication-Results). */
export interface AddedHeader {
  name: string;
  /** Without the leading space; a multi-line value folds with LF + tab. */
  value: string;
}

/** What the engine found for one message: evidence, plus what could not be checked. */
export interface ScanResult {
  symbols: ScoredSymbol[];
  score: number;
  /** Checks that ran out of time or failed, by name, with the reason. */
  failures: CheckFailure[];
  /** Headers the checks add when the message is delivered, in the order they were added. */
  headers: AddedHeader[];
}

/** A check that did not give its answer, and what its failure means for the verdict. */
export interface CheckFailure {
  check: string;
  reason: string;
  /** `open`: scored without it; `tempfail`: the message is deferred (see decideFor). */
  policy: FailurePolicy;
}

export type FailurePolicy = 'open' | 'tempfail';

export function emptyResult(): ScanResult {
  return { symbols: [], score: 0, failures: [], headers: [] };
}

/** The first hard block among the symbols, if any. */
export function blockOf(result: ScanResult): ScoredSymbol | undefined {
  return result.symbols.find((s) => s.block !== undefined);
}

/** Adds symbols to a result; a symbol emitted twice counts once (the first detail wins). */
export function addSymbols(result: ScanResult, symbols: ScoredSymbol[]): void {
  for (const s of symbols) {
    if (result.symbols.some((x) => x.name === s.name)) continue;
    result.symbols.push(s);
    result.score += s.score;
  }
}
