import type { SymbolDef } from '../engine/check.js';

// Bayes probability bands as symbols, with SpamAssassin's bands and default scores
// (rules/50_scores.cf, score set 3): a confident ham verdict subtracts, a confident spam
// verdict adds, the middle says next to nothing. BAYES_999 comes on top of BAYES_99.

interface Band {
  symbol: string;
  /** The band holds probabilities from the previous band's `upTo` (inclusive) to this (exclusive). */
  upTo: number;
  score: number;
}

const BANDS: readonly Band[] = [
  { symbol: 'BAYES_00', upTo: 0.01, score: -1.9 },
  { symbol: 'BAYES_05', upTo: 0.05, score: -0.5 },
  { symbol: 'BAYES_20', upTo: 0.2, score: -0.001 },
  { symbol: 'BAYES_40', upTo: 0.4, score: -0.001 },
  { symbol: 'BAYES_50', upTo: 0.6, score: 0.8 },
  { symbol: 'BAYES_60', upTo: 0.8, score: 1.5 },
  { symbol: 'BAYES_80', upTo: 0.95, score: 2.0 },
  { symbol: 'BAYES_95', upTo: 0.99, score: 3.0 },
  { symbol: 'BAYES_99', upTo: Infinity, score: 3.5 },
];

/** Probability at or above which BAYES_999 is added to BAYES_99. */
export const BAYES_999_FROM = 0.999;

const percent = (p: number) => `${+(p * 100).toFixed(1)}%`;

export const BAYES_SYMBOLS: Readonly<Record<string, SymbolDef>> = Object.freeze({
  ...Object.fromEntries(
    BANDS.map((b, i) => {
      const from = i === 0 ? 0 : BANDS[i - 1]!.upTo;
      const range = b.upTo === Infinity ? `${percent(from)} to 100%` : `${percent(from)} to ${percent(b.upTo)}`;
      return [b.symbol, { score: b.score, description: `Bayes spam probability is ${range}` }];
    }),
  ),
  BAYES_999: { score: 0.2, description: `Bayes spam probability is ${percent(BAYES_999_FROM)} to 100% (on top of BAYES_99)` },
});

/** The band symbols of a spam probability: one band, plus BAYES_999 at the very top. */
export function bandsOf(probability: number): string[] {
  const band = BANDS.find((b) => probability < b.upTo) ?? BANDS[BANDS.length - 1]!;
  return probability >= BAYES_999_FROM ? [band.symbol, 'BAYES_999'] : [band.symbol];
}
