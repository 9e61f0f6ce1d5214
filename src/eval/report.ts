// What `thresher eval` prints and writes: the text summary, report.json, histogram.svg and
// symbols.tsv.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { histogramSvg } from './histogram.js';
import { outcomeLine, percent, summarize, thresholdsAround, type Outcome, type ScoredMessage, type ThresholdSummary } from './summary.js';

const COLUMN = 18;
import { symbolsTsv } from './symbols-table.js';

export interface EvalSettings {
  folds: number;
  seed: number;
  threshold: number;
  keepArtefacts: boolean;
  config: string | null;
}

export interface EvalReport {
  settings: EvalSettings;
  /** At the configured threshold first, then at the others. */
  summaries: ThresholdSummary[];
  messages: ScoredMessage[];
}

export function buildReport(messages: ScoredMessage[], settings: EvalSettings): EvalReport {
  return { settings, summaries: thresholdsAround(settings.threshold).map((t) => summarize(messages, t, settings.folds)), messages };
}

/** The human summary: per source and overall at each threshold, then fold by fold. */
export function reportText(report: EvalReport): string {
  const { settings, messages, summaries } = report;
  const spam = messages.filter((m) => m.label === 'spam').length;
  const lines = [
    `${messages.length} messages (${spam} spam, ${messages.length - spam} ham), ${settings.folds} folds, seed ${settings.seed}, ` +
      `artefact headers ${settings.keepArtefacts ? 'kept' : 'removed'}`,
  ];
  const [main, ...others] = summaries;
  if (!main) return `${lines.join('\n')}\n`;
  const names = Object.keys(main.sources);
  const width = Math.max(7, ...names.map((s) => s.length));
  lines.push('', `at the spam threshold ${main.threshold}:`);
  for (const [source, outcome] of Object.entries(main.sources)) lines.push(`  ${outcomeLine(source, outcome, width)}`);
  lines.push(`  ${outcomeLine('overall', main.overall, width)}`);
  lines.push('', `fold by fold at ${main.threshold}:`);
  for (const [fold, outcome] of main.folds.entries()) lines.push(`  ${outcomeLine(`fold ${fold + 1}`, outcome, width)}`);
  if (others.length > 0) {
    lines.push('', 'at other thresholds, spam caught / ham flagged:');
    const cell = (o: Outcome) => `${percent(o.spam)} / ${percent(o.ham)}`.padStart(COLUMN);
    lines.push(`  ${''.padEnd(width)}${others.map((s) => `${s.threshold}`.padStart(COLUMN)).join('')}`);
    for (const source of names) lines.push(`  ${source.padEnd(width)}${others.map((s) => cell(s.sources[source]!)).join('')}`);
    lines.push(`  ${'overall'.padEnd(width)}${others.map((s) => cell(s.overall)).join('')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Settings and summaries indented; one message per line, so the file greps well. */
function reportJson(report: EvalReport): string {
  const head = JSON.stringify({ settings: report.settings, summaries: report.summaries }, null, 1);
  const messages = report.messages.map((m) => JSON.stringify(m)).join(',\n  ');
  return `${head.slice(0, -2)},\n "messages": [\n  ${messages}\n ]\n}\n`;
}

export async function writeReport(dir: string, report: EvalReport): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = {
    'report.json': reportJson(report),
    'histogram.svg': histogramSvg(report.messages, report.settings.threshold, `Thresher ${report.settings.folds}-fold evaluation: scores of held-out messages`),
    'symbols.tsv': symbolsTsv(report.messages),
  };
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, content);
    written.push(path);
  }
  return written;
}
