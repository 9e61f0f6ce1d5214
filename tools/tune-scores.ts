#!/usr/bin/env node
// Score tuning (`npm run tune`): runs the k-fold evaluation on the development corpus,
// collects each held-out message's symbols (its Bayes band learned without it), fits the
// scores of the rule symbols by weighted logistic regression (tools/tune/fit.ts), and prints
// the table and a `scores:` block to paste into a config (or into the code's defaults).
//
// The ham weight of the fit is chosen by cross-validation over the same folds: for each
// candidate weight the scores are fitted on k−1 folds and tried on the held-out one; the
// weight that catches the most spam while flagging at most --max-ham-flagged of ham wins,
// and the final scores are fitted on all folds with it. The "after" numbers printed are the
// cross-validated ones, so they do not flatter the fit.
import { Command } from 'commander';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledPath } from '../src/eval/corpus.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { EvalReport } from '../src/eval/report.js';
import type { ScoredMessage } from '../src/eval/summary.js';
import { fitScores, isFlagged, type Example } from './tune/fit.js';

interface Rates {
  caught: number;
  spam: number;
  flagged: number;
  ham: number;
}

/** Candidate ham weights: how many missed spam one flagged ham is worth. */
const HAM_WEIGHTS = [1, 1.5, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128, 256];
/** Default pull toward the current scores (see fit.ts). */
const DEFAULT_L2 = '0.0005';
/** Scores this large are verdicts by design (GTUBE, list blocks and allows), not weights to fit. */
const FIXED_ABOVE = 20;
/** The Bayes band symbols keep their scores (unless --fit-bayes): SpamAssassin's calibration. */
const isBayes = (name: string) => name.startsWith('BAYES_');

interface Options {
  corpus: string;
  folds: string;
  seed: string;
  config?: string;
  maxHamFlagged: string;
  maxScore: string;
  l2: string;
  cap: string[];
  fitBayes?: boolean;
  report?: string;
  out: string;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(2)}%`);
const rateLine = (r: Rates) => `spam ${r.caught}/${r.spam} ${pct(r.caught, r.spam)}  ham ${r.flagged}/${r.ham} ${pct(r.flagged, r.ham)}`;

/** `<corpus>/<source>/{spam,ham}` folders, sorted, as the corpus README lays them out. */
function corpusPaths(corpus: string): LabelledPath[] {
  const paths: LabelledPath[] = [];
  for (const source of readdirSync(corpus, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const label of ['spam', 'ham'] as const) {
      const path = join(corpus, source, label);
      if (existsSync(path)) paths.push({ path, label });
    }
  }
  return paths;
}

interface Problem {
  names: string[];
  current: number[];
  examples: Example[];
  sources: string[];
  folds: number[];
}

/** Turns held-out messages into examples over the tunable symbols. */
function problemOf(messages: readonly ScoredMessage[], fitBayes: boolean): Problem {
  const current = new Map<string, number>();
  for (const m of messages) for (const s of m.symbols) current.set(s.name, s.score);
  const names = [...current.keys()].filter((n) => (fitBayes || !isBayes(n)) && Math.abs(current.get(n)!) < FIXED_ABOVE).sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const examples = messages.map((m) => {
    const rules: number[] = [];
    let fixed = 0;
    for (const s of m.symbols) {
      const i = index.get(s.name);
      if (i === undefined) fixed += s.score;
      else rules.push(i);
    }
    return { spam: m.label === 'spam', rules, fixed };
  });
  return { names, current: names.map((n) => current.get(n)!), examples, sources: messages.map((m) => m.source), folds: messages.map((m) => m.fold) };
}

/**
 * Rule scores keep their sign: a spam rule never becomes a ham rule, nor the reverse. A cap
 * (--cap NAME=N) bounds one symbol's score by N on its side of zero: where the admin knows
 * the corpus misleads the fit (a sign common in real ham but rare in the corpus's).
 */
function bounds(names: readonly string[], current: readonly number[], maxScore: number, caps: ReadonlyMap<string, number>) {
  const limit = (i: number) => Math.min(maxScore, caps.get(names[i]!) ?? Infinity);
  return { lower: current.map((c, i) => (c < 0 ? -limit(i) : 0)), upper: current.map((c, i) => (c < 0 ? 0 : limit(i))) };
}

/** --cap NAME=N options as a map; a name the corpus never showed is an error, as a typo would be. */
function capsOf(values: readonly string[], names: readonly string[]): Map<string, number> {
  const caps = new Map<string, number>();
  for (const v of values) {
    const m = /^([A-Z][A-Z0-9_]*)=([0-9.]+)$/.exec(v);
    if (m === null) throw new Error(`--cap ${v}: expected SYMBOL=N, e.g. HTML_ONLY=1`);
    if (!names.includes(m[1]!)) throw new Error(`--cap ${v}: ${m[1]} is not a fitted symbol of this corpus`);
    caps.set(m[1]!, numberOption('--cap', m[2]!, 0, 100));
  }
  return caps;
}

/** Within the ham limit overall and in every source that has ham: one source's ham must not pay for another's. */
function withinHamLimit(cv: { rates: Rates; bySource: Map<string, Rates> }, maxHam: number): boolean {
  return [cv.rates, ...cv.bySource.values()].every((r) => r.flagged <= maxHam * r.ham);
}

const roundScore = (x: number) => Math.round(x * 10) / 10;

function numberOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new Error(`${name} ${value}: expected a number from ${min} to ${max}`);
  return n;
}

async function main(opts: Options): Promise<void> {
  const maxHam = numberOption('--max-ham-flagged', opts.maxHamFlagged, 0, 1);
  const maxScore = numberOption('--max-score', opts.maxScore, 0.1, 100);
  const l2 = numberOption('--l2', opts.l2, 0, 1);
  // A report.json from `thresher eval` saves running the evaluation again.
  const report =
    opts.report !== undefined
      ? (JSON.parse(readFileSync(opts.report, 'utf8')) as EvalReport)
      : await evaluate({
          paths: corpusPaths(opts.corpus),
          folds: numberOption('--folds', opts.folds, 2, 100),
          seed: numberOption('--seed', opts.seed, 0, 2 ** 31 - 1),
          keepArtefacts: false,
          ...(opts.config !== undefined ? { config: opts.config } : {}),
          note: (line) => process.stderr.write(`${line}\n`),
        });
  const folds = report.settings.folds;
  const threshold = report.settings.threshold;
  const p = problemOf(report.messages, opts.fitBayes === true);
  const { lower, upper } = bounds(p.names, p.current, maxScore, capsOf(opts.cap, p.names));
  const fit = (examples: readonly Example[], hamWeight: number) =>
    fitScores(examples, { threshold, hamWeight, l2, prior: p.current, lower, upper }).map(roundScore);

  // Held-out rates of a ham weight: fit on k−1 folds, score the k-th.
  const crossValidated = (hamWeight: number): { rates: Rates; bySource: Map<string, Rates> } => {
    const predicted = new Array<boolean>(p.examples.length);
    for (let f = 0; f < folds; f++) {
      const w = fit(p.examples.filter((_, i) => p.folds[i] !== f), hamWeight);
      p.examples.forEach((e, i) => {
        if (p.folds[i] === f) predicted[i] = isFlagged(e, w, threshold);
      });
    }
    return tally(p, (i) => predicted[i]!);
  };

  const before = tally(p, (i) => isFlagged(p.examples[i]!, p.current, threshold));
  let best: { hamWeight: number; rates: Rates; bySource: Map<string, Rates> } | undefined;
  for (const hamWeight of HAM_WEIGHTS) {
    const cv = crossValidated(hamWeight);
    const ok = withinHamLimit(cv, maxHam);
    process.stderr.write(`ham weight ${hamWeight}: ${rateLine(cv.rates)}${ok ? '' : '  (too much ham)'}\n`);
    const bestOk = best !== undefined && withinHamLimit(best, maxHam);
    if (!best || (ok && (!bestOk || cv.rates.caught > best.rates.caught)) || (!ok && !bestOk && cv.rates.flagged < best.rates.flagged)) {
      best = { hamWeight, ...cv };
    }
  }
  if (!best) return;
  const proposed = fit(p.examples, best.hamWeight);

  out(`symbol${' '.repeat(26)}spam hits  ham hits   current  proposed`);
  p.names.forEach((name, i) => {
    const spamHits = p.examples.filter((e) => e.spam && e.rules.includes(i)).length;
    const hamHits = p.examples.filter((e) => !e.spam && e.rules.includes(i)).length;
    out(`${name.padEnd(32)}${String(spamHits).padStart(9)}${String(hamHits).padStart(10)}${p.current[i]!.toFixed(2).padStart(10)}${proposed[i]!.toFixed(2).padStart(10)}`);
  });
  out();
  out(`at ${threshold}, ${folds}-fold, ham weight ${best.hamWeight} (target: at most ${pct(maxHam, 1)} of ham flagged, overall and in every source)`);
  const sources = [...before.bySource.keys()].sort();
  const width = Math.max(8, ...sources.map((s) => s.length));
  for (const source of sources) {
    out(`  ${source.padEnd(width)}  before: ${rateLine(before.bySource.get(source)!)}`);
    out(`  ${''.padEnd(width)}  after:  ${rateLine(best.bySource.get(source)!)}`);
  }
  out(`  ${'overall'.padEnd(width)}  before: ${rateLine(before.rates)}`);
  out(`  ${''.padEnd(width)}  after:  ${rateLine(best.rates)}`);
  const yaml = [
    `# Fitted by tools/tune-scores.ts on ${opts.report ?? opts.corpus} (${folds} folds, seed ${report.settings.seed}, ham weight ${best.hamWeight}).`,
    `# Cross-validated at ${threshold}: before ${rateLine(before.rates)}; after ${rateLine(best.rates)}.`,
    'scores:',
    ...p.names.map((name, i) => `  ${name}: ${proposed[i]}`),
  ].join('\n');
  writeFileSync(opts.out, `${yaml}\n`);
  out();
  out(`wrote ${opts.out}`);
}

/** Overall and per-source rates for a "message i is flagged" predicate. */
function tally(p: Problem, flagged: (i: number) => boolean): { rates: Rates; bySource: Map<string, Rates> } {
  const rates: Rates = { caught: 0, spam: 0, flagged: 0, ham: 0 };
  const bySource = new Map<string, Rates>();
  p.examples.forEach((e, i) => {
    const source = bySource.get(p.sources[i]!) ?? { caught: 0, spam: 0, flagged: 0, ham: 0 };
    bySource.set(p.sources[i]!, source);
    for (const r of [rates, source]) {
      if (e.spam) {
        r.spam++;
        if (flagged(i)) r.caught++;
      } else {
        r.ham++;
        if (flagged(i)) r.flagged++;
      }
    }
  });
  return { rates, bySource };
}

const program = new Command()
  .name('tune-scores')
  .description('fit rule scores on a labelled corpus by k-fold cross-validation and print a scores: block')
  .option('--corpus <dir>', 'corpus laid out as <source>/{spam,ham}/', '../shared/corpus')
  .option('-k, --folds <k>', 'number of folds', '5')
  .option('--seed <n>', 'seed of the fold assignment', '0')
  .option('-c, --config <file>', 'configuration whose scores are the starting point')
  .option('--max-ham-flagged <fraction>', 'largest share of ham at or above the threshold, overall and in every source', '0.001')
  .option('--max-score <n>', 'largest score a single rule may get (and most negative for ham rules)', '5')
  .option('--report <file>', 'use the report.json of a `thresher eval` run instead of evaluating --corpus')
  .option('--fit-bayes', 'fit the BAYES_* band scores too (they keep their sign)')
  .option('--cap <symbol=n>', 'bound one symbol\'s score by n on its side of zero (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--l2 <strength>', 'pull toward the current scores (0: none)', DEFAULT_L2)
  .option('-o, --out <file>', 'where to write the scores: block', 'tuned-scores.yaml')
  .action((opts: Options) => main(opts));

await program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`tune-scores: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
