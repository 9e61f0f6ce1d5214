// Counting an evaluation's outcome: spam caught and ham flagged at a threshold, overall, per
// source and per fold.

export type Label = 'spam' | 'ham';

/** One held-out message as it was scored. */
export interface ScoredMessage {
  path: string;
  source: string;
  label: Label;
  fold: number;
  score: number;
  symbols: { name: string; score: number }[];
}

/** Messages at or above the threshold out of all messages of a label. */
export interface Count {
  hits: number;
  total: number;
}

/** Spam caught (score ≥ threshold) and ham flagged (score ≥ threshold, a false positive). */
export interface Outcome {
  spam: Count;
  ham: Count;
}

export interface ThresholdSummary {
  threshold: number;
  overall: Outcome;
  sources: Record<string, Outcome>;
  folds: Outcome[];
}

/** Thresholds reported beside the configured one, to show the trade-off around it. */
export const OTHER_THRESHOLDS = [3, 4, 6, 8, 10] as const;

function emptyOutcome(): Outcome {
  return { spam: { hits: 0, total: 0 }, ham: { hits: 0, total: 0 } };
}

function count(outcome: Outcome, m: ScoredMessage, threshold: number): void {
  const c = outcome[m.label];
  c.total++;
  if (m.score >= threshold) c.hits++;
}

export function summarize(messages: readonly ScoredMessage[], threshold: number, folds: number): ThresholdSummary {
  const overall = emptyOutcome();
  const sources: Record<string, Outcome> = {};
  const byFold = Array.from({ length: folds }, emptyOutcome);
  for (const m of messages) {
    count(overall, m, threshold);
    count((sources[m.source] ??= emptyOutcome()), m, threshold);
    const fold = byFold[m.fold];
    if (fold) count(fold, m, threshold);
  }
  return { threshold, overall, sources: sortedKeys(sources), folds: byFold };
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The configured threshold first, then the others in increasing order. */
export function thresholdsAround(threshold: number): number[] {
  return [threshold, ...OTHER_THRESHOLDS.filter((t) => t !== threshold)];
}

export function percent(c: Count): string {
  return c.total === 0 ? '-' : `${((100 * c.hits) / c.total).toFixed(2)}%`;
}

/** `spamassassin  spam 1120/1138 98.42%  ham 3/2490 0.12%` */
export function outcomeLine(name: string, o: Outcome, width: number): string {
  return `${name.padEnd(width)}  spam ${`${o.spam.hits}/${o.spam.total}`.padStart(11)} ${percent(o.spam).padStart(7)}  ham ${`${o.ham.hits}/${o.ham.total}`.padStart(11)} ${percent(o.ham).padStart(7)}`;
}
