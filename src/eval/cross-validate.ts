// K-fold cross-validation: every message is scored exactly once, by an engine that learned
// from the other folds only.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import { scanMessage } from '../engine/scan.js';
import type { ScanLimits } from '../message/message.js';
import { evalMessage, type Sample } from './corpus.js';
import { assignFolds } from './folds.js';
import type { ScoredMessage } from './summary.js';

export interface CrossValidateOptions {
  folds: number;
  seed: number;
  limits: ScanLimits;
  /** A fresh engine that has learned from exactly these samples. */
  engineFor(training: readonly Sample[]): Engine | Promise<Engine>;
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
    const engine = await opts.engineFor(training);
    let count = 0;
    for (const [i, sample] of samples.entries()) {
      if (folds[i] !== fold) continue;
      const { result } = await scanMessage(engine, evalMessage(sample.raw, opts.limits), opts.log);
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
