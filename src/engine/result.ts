/** A symbol with its score as it ends up in the verdict. */
export interface ScoredSymbol {
  name: string;
  score: number;
  description: string;
  detail?: string;
  /** SMTP reply for a hard block (see Hit.block). */
  block?: string;
}

/** What the engine found for one message: evidence, plus what could not be checked. */
export interface ScanResult {
  symbols: ScoredSymbol[];
  score: number;
  /** Checks that ran out of time or failed, by name, with the reason. */
  failures: CheckFailure[];
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
  return { symbols: [], score: 0, failures: [] };
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
