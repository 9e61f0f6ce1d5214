import { EvalInputError, evaluate } from '../eval/evaluate.js';
import { reportText, writeReport } from '../eval/report.js';
import type { LabelledPath } from '../eval/corpus.js';

export interface EvalCliOptions {
  spam?: string[];
  ham?: string[];
  folds: string;
  out: string;
  config?: string;
  seed: string;
  keepArtefacts?: boolean;
}

/** Largest fold count: more folds than that only repeats work for no better estimate. */
const MAX_FOLDS = 100;

function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d{1,10}$/.test(value) || n < min || n > max) throw new EvalInputError(`${name} ${value}: expected an integer from ${min} to ${max}`);
  return n;
}

/** `thresher eval`: k-fold cross-validation on labelled mail; prints the summary, writes the report. */
export async function evalCommand(opts: EvalCliOptions): Promise<number> {
  try {
    return await run(opts);
  } catch (err) {
    if (!(err instanceof EvalInputError)) throw err;
    process.stderr.write(`thresher eval: ${err.message}\n`);
    return 2;
  }
}

async function run(opts: EvalCliOptions): Promise<number> {
  const paths: LabelledPath[] = [
    ...(opts.spam ?? []).map((path) => ({ path, label: 'spam' as const })),
    ...(opts.ham ?? []).map((path) => ({ path, label: 'ham' as const })),
  ];
  if (!opts.spam?.length || !opts.ham?.length) throw new EvalInputError('needs --spam and --ham paths');
  const report = await evaluate({
    paths,
    folds: integerOption('--folds', opts.folds, 2, MAX_FOLDS),
    seed: integerOption('--seed', opts.seed, 0, 2 ** 31 - 1),
    keepArtefacts: opts.keepArtefacts === true,
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    note: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(reportText(report));
  const written = await writeReport(opts.out, report);
  process.stdout.write(`\nwrote ${written.join(', ')}\n`);
  return 0;
}
