// Fitting rule scores to labelled symbol vectors: L2-regularised logistic regression whose
// decision boundary is the spam threshold, solved by projected gradient descent (Adam steps)
// inside per-rule bounds. Ham carries a weight `hamWeight` > 1 so a flagged ham costs more
// than a missed spam; the caller picks the weight that keeps ham flagged under its target.
//
// The model: score(m) = fixed(m) + Σ w_i·[rule i fired on m], and P(spam | m) =
// σ((score(m) − threshold) / TEMPERATURE). `fixed` holds what is not tuned (the Bayes band,
// GTUBE, list symbols). The L2 term pulls each score toward its hand-set value, so a rule
// with few hits keeps roughly the score its author gave it instead of drifting on noise.

export interface Example {
  spam: boolean;
  /** Indices of the tuned rules that fired. */
  rules: number[];
  /** Sum of the scores of the symbols that are not tuned. */
  fixed: number;
}

export interface FitOptions {
  threshold: number;
  /** Weight of a ham's loss relative to a spam's. */
  hamWeight: number;
  /** Strength of the pull toward `prior`, per rule, relative to the data's total weight. */
  l2: number;
  prior: readonly number[];
  lower: readonly number[];
  upper: readonly number[];
  iterations?: number;
}

/** Score units per logit: a message 2 points past the threshold is ~88 % sure. */
const TEMPERATURE = 1;
const DEFAULT_ITERATIONS = 1500;
const LEARNING_RATE = 0.05;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function scoreOf(e: Example, weights: readonly number[]): number {
  let s = e.fixed;
  for (const i of e.rules) s += weights[i]!;
  return s;
}

/** Starts at the prior (clamped) and descends; the result lies within [lower, upper]. */
export function fitScores(examples: readonly Example[], opts: FitOptions): number[] {
  const n = opts.prior.length;
  const clamp = (i: number, v: number) => Math.min(opts.upper[i]!, Math.max(opts.lower[i]!, v));
  const w = opts.prior.map((p, i) => clamp(i, p));
  const m = new Array<number>(n).fill(0);
  const v = new Array<number>(n).fill(0);
  const grad = new Array<number>(n);
  const totalWeight = examples.reduce((sum, e) => sum + (e.spam ? 1 : opts.hamWeight), 0);
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS;
  for (let t = 1; t <= iterations; t++) {
    for (let i = 0; i < n; i++) grad[i] = 2 * opts.l2 * (w[i]! - opts.prior[i]!);
    for (const e of examples) {
      const p = sigmoid((scoreOf(e, w) - opts.threshold) / TEMPERATURE);
      // d(log loss)/d(score) = (p − y) / T, weighted by class.
      const g = ((p - (e.spam ? 1 : 0)) / TEMPERATURE) * (e.spam ? 1 : opts.hamWeight) / totalWeight;
      for (const i of e.rules) grad[i]! += g;
    }
    for (let i = 0; i < n; i++) {
      m[i] = BETA1 * m[i]! + (1 - BETA1) * grad[i]!;
      v[i] = BETA2 * v[i]! + (1 - BETA2) * grad[i]! ** 2;
      const mHat = m[i]! / (1 - BETA1 ** t);
      const vHat = v[i]! / (1 - BETA2 ** t);
      w[i] = clamp(i, w[i]! - (LEARNING_RATE * mHat) / (Math.sqrt(vHat) + EPSILON));
    }
  }
  return w;
}

/** At or above the threshold, rounded as `thresher eval` rounds: 2.9 + 2.1 must reach 5. */
export function isFlagged(e: Example, weights: readonly number[], threshold: number): boolean {
  return Math.round(scoreOf(e, weights) * 1000) / 1000 >= threshold;
}
