import type { SymbolDef } from '../engine/check.js';

// Bayes probability bands as symbols: SpamAssassin's bands, with its 40-60 % band split at
// 50 % (BAYES_45, BAYES_50), because with tiled clues (classifier.ts) 50 % is where spam and
// ham part: on the development corpus 65 spam and 4 ham fall in 50-60 %, 20 spam and 16 ham in
// 40-50 %. Scores fitted by `npm run tune` (README, Tuning scores): a confident ham verdict
// subtracts, 50-80 % needs one more rule (however weak) to reach the spam threshold of 5,
// 80 % and above reaches it alone, the bands below 40 % never add. BAYES_999 comes on top of
// BAYES_99.

interface Band {
  symbol: string;
  /** The band holds probabilities from the previous band's `upTo` (inclusive) to this (exclusive). */
  upTo: number;
  score: number;
}

const BANDS: readonly Band[] = [
  { symbol: 'BAYES_00', upTo: 0.01, score: -2.1 },
  { symbol: 'BAYES_05', upTo: 0.05, score: 0.0 },
  { symbol: 'BAYES_20', upTo: 0.2, score: 0.0 },
  { symbol: 'BAYES_40', upTo: 0.4, score: 0.0 },
  { symbol: 'BAYES_45', upTo: 0.5, score: 2.3 },
  { symbol: 'BAYES_50', upTo: 0.6, score: 4.9 },
  { symbol: 'BAYES_60', upTo: 0.8, score: 4.9 },
  { symbol: 'BAYES_80', upTo: 0.95, score: 6.4 },
  { symbol: 'BAYES_95', upTo: 0.99, score: 6.4 },
  { symbol: 'BAYES_99', upTo: Infinity, score: 6.5 },
];

/**
 * BAYES_SUBJECT_SPAM: the message's Subject and From display-name tokens classified on their
 * own. Padding a body with innocent text (novel excerpts, news) drags the whole message's
 * probability down, but the subject still has to sell: on the development corpus, of the
 * messages below 50 % overall, 13 spam and 2 ham have a subject and sender name at 95 % or more.
 */
export const SUBJECT_SPAM_FROM = 0.95;
/** Token prefixes of the Subject and the From display name (header-tokens.ts). */
export const SUBJECT_PREFIXES = ['s:', 'f:'] as const;

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
  BAYES_999: { score: 1.6, description: `Bayes spam probability is ${percent(BAYES_999_FROM)} to 100% (on top of BAYES_99)` },
  BAYES_SUBJECT_SPAM: { score: 2.0, description: `Bayes on the Subject and the From name alone: ${percent(SUBJECT_SPAM_FROM)} spam or more` },
});

/** The band symbols of a spam probability: one band, plus BAYES_999 at the very top. */
export function bandsOf(probability: number): string[] {
  const band = BANDS.find((b) => probability < b.upTo) ?? BANDS[BANDS.length - 1]!;
  return probability >= BAYES_999_FROM ? [band.symbol, 'BAYES_999'] : [band.symbol];
}
