import { describe, expect, it } from 'vitest';
import { fitScores, isFlagged, scoreOf, type Example } from '../../tools/tune/fit.js';

// Rule 0 fires on most spam and no ham; rule 1 on spam and ham alike; rule 2 on a few ham only.
function examples(): Example[] {
  const out: Example[] = [];
  for (let i = 0; i < 200; i++) out.push({ spam: true, rules: i % 10 < 8 ? [0, 1] : [1], fixed: 0 });
  for (let i = 0; i < 200; i++) out.push({ spam: false, rules: i % 20 === 0 ? [1, 2] : [1], fixed: 0 });
  return out;
}

const base = { threshold: 5, l2: 0.0005, prior: [1, 1, 1], lower: [0, 0, 0], upper: [5, 5, 5] };

describe('fitScores', () => {
  it('raises a rule that tells spam apart and lowers a rule that fires on ham only, within bounds', () => {
    const w = fitScores(examples(), { ...base, hamWeight: 4 });
    expect(w[0]).toBeGreaterThan(3);
    // Rule 1 fires on everything: it may act as an offset, but must say less than rule 0.
    expect(w[1]).toBeLessThan(w[0]!);
    expect(w[2]).toBeLessThan(0.5);
    for (const x of w) expect(x).toBeGreaterThanOrEqual(0);
    expect(w[0]).toBeLessThanOrEqual(5);
  });

  it('catches the spam the separating rule marks and flags no ham', () => {
    const data = examples();
    const w = fitScores(data, { ...base, hamWeight: 4 });
    expect(data.filter((e) => e.spam && isFlagged(e, w, 5))).toHaveLength(160);
    expect(data.filter((e) => !e.spam && isFlagged(e, w, 5))).toHaveLength(0);
  });

  it('keeps a rule without evidence near its hand-set score', () => {
    const w = fitScores(examples(), { ...base, prior: [1, 1, 1, 2.5], lower: [0, 0, 0, 0], upper: [5, 5, 5, 5], hamWeight: 4 });
    expect(w[3]).toBeCloseTo(2.5, 5);
  });

  it('counts the fixed part of the score and rounds sums as eval does', () => {
    expect(scoreOf({ spam: true, rules: [0, 1], fixed: 2 }, [1.5, 0.5])).toBe(4);
    expect(isFlagged({ spam: true, rules: [0, 1], fixed: 0 }, [2.9, 2.1], 5)).toBe(true);
  });
});
