// K-fold cross-validation: every message is scored exactly once, by an engine that learned
// from the other folds only.
import type { Logger } from 'pino';
import { emptyResult, type ScanResult } from '../engine/result.js';
import { scanOffline } from '../scan/offline.js';
import type { Pipeline } from '../scan/pipeline.js';
import type { Sample } from './corpus.js';
import { assignFolds } from './folds.js';
import type { ScoredMessage } from './summary.js';

export interface CrossValidateOptions {
  folds: number;
  seed: number;
  /** A fresh pipeline whose Bayes has learned from exactly these samples. */
  pipelineFor(training: readonly Sample[]): Pipeline | Promise<Pipeline>;
  log: Logger;
  /** Told when each fold is done, for progress output. */
  onFold?(fold: number, trained: number, scored: number, ms: number): void;
}

export async function crossValidate(samples: readonly Sample[], opts: CrossValidateOptions): Promise<ScoredMessage[]> {
  const folds = assignFolds(
    samples.map((s) => ({ group: `${s.source}/${s.label}`, id: s.foldId })),
    opts.folds,
    opts.seed,
  );
  const scored: ScoredMessage[] = [];
  for (let fold = 0; fold < opts.folds; fold++) {
    const started = performance.now();
    const training = samples.filter((_, i) => folds[i] !== fold);
    const pipeline = await opts.pipelineFor(training);
    let count = 0;
    for (const [i, sample] of samples.entries()) {
      if (folds[i] !== fold) continue;
      const result = await scoreSample(pipeline, sample, opts.log);
      scored.push({
        path: sample.path,
        source: sample.source,
        label: sample.label,
        fold,
        score: Math.round(result.score * 1000) / 1000,
        symbols: result.symbols.map((s) => ({ name: s.name, score: s.score })),
      });
      count++;
    }
    opts.onFold?.(fold, training.length, count, performance.now() - started);
  }
  return scored;
}

/**
 * The message as the server would score it, with no recipients to choose policies by: client
 * and HELO from its Received headers, sender from its Return-Path. A message an early stage
 * refuses scores the blocking symbol.
 */
async function scoreSample(pipeline: Pipeline, sample: Sample, log: Logger): Promise<ScanResult> {
  const outcome = await scanOffline(pipeline, sample.raw, { recipients: [] }, log);
  const done = outcome.transactions[0];
  if (done !== undefined) return done.verdict.result;
  const symbol = outcome.refused?.decision.symbol;
  if (symbol === undefined) return emptyResult();
  const score = pipeline.engine.score(symbol);
  return { ...emptyResult(), symbols: [{ name: symbol, score, description: '' }], score };
}
