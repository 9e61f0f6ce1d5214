import { describe, expect, it } from 'vitest';
import { chi2Q, classify, combine, DEFAULT_CLASSIFIER, tokenProbability } from '../../src/bayes/classifier.js';
import type { TokenCounts } from '../../src/store/tokens.js';

// Expected values computed by hand (and checked with SpamBayes' formulas in Python).

describe('tokenProbability (Robinson f(w), s = 0.45, x = 0.5)', () => {
  it('blends the token\'s spam share with the prior by its count', () => {
    // p = 0.3 / (0.3 + 0.1) = 0.75; f = (0.45·0.5 + 4·0.75) / (0.45 + 4)
    expect(tokenProbability({ spam: 3, ham: 1 }, { spam: 10, ham: 10 }, DEFAULT_CLASSIFIER)).toBeCloseTo(0.7247191, 6);
  });

  it('compares shares, not counts, when the classes differ in size', () => {
    // ratios 1/10 and 1/100: p = 0.1 / 0.11; f = (0.225 + 2p) / 2.45
    expect(tokenProbability({ spam: 1, ham: 1 }, { spam: 10, ham: 100 }, DEFAULT_CLASSIFIER)).toBeCloseTo(0.8339518, 6);
  });

  it('stays strictly between 0 and 1 for one-sided tokens', () => {
    const p = tokenProbability({ spam: 50, ham: 0 }, { spam: 100, ham: 100 }, DEFAULT_CLASSIFIER);
    expect(p).toBeLessThan(1);
    expect(p).toBeCloseTo((0.225 + 50) / 50.45, 9);
  });
});

describe('chi2Q and combine', () => {
  it('chi2Q is the chi-square survival function for even degrees of freedom', () => {
    expect(chi2Q(4, 2)).toBeCloseTo(Math.exp(-2), 12);
    expect(chi2Q(4, 4)).toBeCloseTo(3 * Math.exp(-2), 12);
    expect(chi2Q(0, 10)).toBe(1);
    expect(chi2Q(5000, 300)).toBe(0);
  });

  it('combines agreeing evidence towards 0 or 1 and mixed evidence to 0.5', () => {
    expect(combine([0.99, 0.99])).toBeCloseTo(0.9993898, 6);
    expect(combine([0.01, 0.01])).toBeCloseTo(0.0006102, 6);
    expect(combine([0.99, 0.01])).toBeCloseTo(0.5, 12);
    expect(combine([0.9, 0.8, 0.3])).toBeCloseTo(0.7996686, 6);
    expect(combine([])).toBe(0.5);
  });
});

describe('classify', () => {
  const totals: TokenCounts = { spam: 100, ham: 100 };

  it('ignores unknown tokens and tokens too close to 0.5, and orders clues by strength', () => {
    const counts = new Map<string, TokenCounts>([
      ['viagra', { spam: 40, ham: 0 }],
      ['meeting', { spam: 1, ham: 30 }],
      ['the', { spam: 50, ham: 50 }],
    ]);
    const result = classify(['viagra', 'meeting', 'the', 'unknown'], counts, totals);
    expect(result.clues.map((c) => c.token)).toEqual(['viagra', 'meeting']);
    expect(result.probability).toBeCloseTo(combine(result.clues.map((c) => c.p)), 12);
  });

  it('combines at most maxClues of the most significant tokens', () => {
    const counts = new Map<string, TokenCounts>();
    const tokens: string[] = [];
    for (let i = 0; i < 200; i++) {
      tokens.push(`s${i}`);
      counts.set(`s${i}`, { spam: 10 + i, ham: 0 });
    }
    const result = classify(tokens, counts, totals, { ...DEFAULT_CLASSIFIER, maxClues: 150 });
    expect(result.clues).toHaveLength(150);
    expect(result.clues[0]!.token).toBe('s199'); // the most counted: strongest
    expect(result.probability).toBeGreaterThan(0.999);
  });

  it('tiles word pairs: a pair counts only if neither of its words has, and then covers both', () => {
    const counts = new Map<string, TokenCounts>([
      ['cheap meds', { spam: 60, ham: 0 }],
      ['cheap', { spam: 40, ham: 1 }],
      ['meds', { spam: 30, ham: 0 }],
      ['meds now', { spam: 20, ham: 0 }],
      ['now', { spam: 10, ham: 0 }],
      ['buy', { spam: 25, ham: 2 }],
    ]);
    const result = classify(['cheap', 'meds', 'now', 'buy', 'cheap meds', 'meds now'], counts, totals);
    // "cheap meds" is strongest and covers cheap and meds; "meds now" shares meds; "now" is still free.
    expect(result.clues.map((c) => c.token).sort()).toEqual(['buy', 'cheap meds', 'now']);
  });

  it('says 0.5 with no evidence', () => {
    expect(classify(['a', 'b'], new Map(), totals)).toEqual({ probability: 0.5, clues: [] });
  });
});
