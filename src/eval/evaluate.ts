// One k-fold evaluation from labelled paths to a report: shared by `thresher eval` and the
// score-tuning script.
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { MemoryTokenStore } from '../store/memory-tokens.js';
import { loadSamples, type LabelledPath } from './corpus.js';
import { crossValidate } from './cross-validate.js';
import { buildReport, type EvalReport } from './report.js';

/** Input the evaluation cannot work with: told to the user in one line, not as a crash. */
export class EvalInputError extends Error {}

export interface EvaluateOptions {
  paths: LabelledPath[];
  folds: number;
  seed: number;
  keepArtefacts: boolean;
  config?: string;
  /** Progress and problems, one line each (stderr for the CLI). */
  note(line: string): void;
}

export async function evaluate(opts: EvaluateOptions): Promise<EvalReport> {
  const config = await loadConfig(opts.config);
  const source = opts.config ?? 'configuration';
  const started = performance.now();
  const limits = { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers };
  const samples = await loadSamples(opts.paths, {
    limits,
    keepArtefacts: opts.keepArtefacts,
    onProblem: (path, reason) => opts.note(`${path}: ${reason}`),
  });
  opts.note(`read ${samples.length} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const labels = new Set(samples.map((s) => s.label));
  if (!labels.has('spam') || !labels.has('ham')) throw new EvalInputError(`needs both spam and ham messages; found only ${[...labels].join(', ') || 'none'}`);
  const log = pino({ level: 'warn' }, pino.destination(2));
  const services = createServices({ log });
  const scored = await crossValidate(samples, {
    folds: opts.folds,
    seed: opts.seed,
    // A fresh in-memory store per fold, so no fold's messages are learned when it is scored.
    pipelineFor: async (training) => {
      const tokens = new MemoryTokenStore();
      await tokens.learnMany(training.map((s) => ({ id: s.learnId, tokens: s.tokens, label: s.label })));
      return createPipeline(config, { services, source, tokens });
    },
    log,
    onFold: (fold, trained, count, ms) =>
      opts.note(`fold ${fold + 1}/${opts.folds}: learned ${trained}, scored ${count} in ${(ms / 1000).toFixed(1)} s`),
  });
  return buildReport(scored, {
    folds: opts.folds,
    seed: opts.seed,
    threshold: config.thresholds.spam,
    keepArtefacts: opts.keepArtefacts,
    config: opts.config ?? null,
  });
}
