import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../../src/eval/report.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// `thresher eval` end to end through the built CLI (scripts/test.sh builds before the tests),
// on a small generated corpus: 60 spam and 60 ham in a <corpus>/<source>/{spam,ham} layout
// plus 10 spam in a folder of their own.
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

const root = tempDir('eval');
const WORDS = ['meeting', 'report', 'tomorrow', 'agenda', 'project', 'lunch', 'review', 'draft', 'notes', 'budget'];

function message(i: number, spam: boolean): string {
  const word = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length]!;
  const headers = [
    `From: ${spam ? 'Deals' : 'Colleague'} <sender${i}@example.${spam ? 'biz' : 'org'}>`,
    'To: user@example.net',
    `Subject: ${spam ? 'cheap pills today' : `${word(1)} ${word(2)}`} ${i}`,
    'Date: Tue, 03 Jun 2025 10:00:00 +0000',
    `Message-ID: <${i}.${spam ? 's' : 'h'}@example.org>`,
    // A verdict header as research corpora carry it: must be stripped before scoring.
    ...(spam ? ['X-Spam-Flag: YES'] : []),
  ];
  const body = spam
    ? `Buy cheap pills now, limited offer ${i}.\nClick here for cheap pills.\n`
    : `Hi, about the ${word(3)}: can we move the ${word(4)} to ${word(5)}?\nThanks.\n`;
  return `${headers.join('\n')}\n\n${body}`;
}

function writeCorpus(dir: string, count: number, spam: boolean, offset = 0): string {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `${String(i + offset).padStart(3, '0')}.eml`), message(i + offset, spam));
  return dir;
}

const config = join(root, 'eval.yaml');
writeFileSync(
  config,
  `rules:
  body:
    - name: CHEAP_PILLS
      match: contains
      value: cheap pills
      score: 6
  header:
    - name: SAW_VERDICT_HEADER
      header: X-Spam-Flag
      match: contains
      value: 'YES'
      score: 0.1
`,
);
const spamDir = writeCorpus(join(root, 'corpus', 'mixed', 'spam'), 60, true);
const hamDir = writeCorpus(join(root, 'corpus', 'mixed', 'ham'), 60, false);
const extraDir = writeCorpus(join(root, 'extra-spam'), 10, true, 100);

async function evaluate(out: string, ...extra: string[]) {
  const { stdout } = await run(process.execPath, [CLI, 'eval', '--spam', spamDir, extraDir, '--ham', hamDir, '--folds', '4', '--config', config, '--out', out, ...extra]);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
  return { stdout, report, symbols: readFileSync(join(out, 'symbols.tsv'), 'utf8'), svg: readFileSync(join(out, 'histogram.svg'), 'utf8') };
}

describe('thresher eval', () => {
  let result: Awaited<ReturnType<typeof evaluate>>;
  beforeAll(async () => {
    result = await evaluate(join(root, 'out'));
  }, 60_000);

  it('scores every message once, in one of the folds, under its source', () => {
    const { messages } = result.report;
    expect(messages).toHaveLength(130);
    expect(new Set(messages.map((m) => m.path)).size).toBe(130);
    expect(new Set(messages.map((m) => m.fold))).toEqual(new Set([0, 1, 2, 3]));
    const count = (source: string, label: string) => messages.filter((m) => m.source === source && m.label === label).length;
    expect([count('mixed', 'spam'), count('mixed', 'ham'), count('extra-spam', 'spam')]).toEqual([60, 60, 10]);
  });

  it('prints the numbers report.json holds, per source and overall', () => {
    const main = result.report.summaries[0]!;
    expect(main.threshold).toBe(5);
    expect(main.overall.spam).toEqual({ hits: 70, total: 70 });
    expect(main.overall.ham).toEqual({ hits: 0, total: 60 });
    const line = (name: string) => new RegExp(`^ {2}${name} +spam +(\\d+)/(\\d+) .* ham +(\\d+)/(\\d+)`, 'm').exec(result.stdout)!.slice(1).map(Number);
    for (const [name, outcome] of Object.entries(main.sources)) {
      expect(line(name), name).toEqual([outcome.spam.hits, outcome.spam.total, outcome.ham.hits, outcome.ham.total]);
    }
    expect(line('overall')).toEqual([70, 70, 0, 60]);
    const foldTotals = main.folds.reduce((n, f) => n + f.spam.total + f.ham.total, 0);
    expect(foldTotals).toBe(130);
  });

  it('writes symbols.tsv and a histogram with bars for both labels', () => {
    const [header, totals] = result.symbols.split('\n');
    expect(header).toBe('symbol\tscore\tspam\tham\textra-spam spam\textra-spam ham\tmixed spam\tmixed ham');
    expect(totals).toBe('(messages)\t\t70\t60\t10\t0\t60\t60');
    expect(result.symbols).toMatch(/^CHEAP_PILLS\t6\t70\t0\t/m);
    expect(result.svg).toMatch(/class="bar spam"/);
    expect(result.svg).toMatch(/class="bar ham"/);
    expect(result.svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('strips artefact headers unless --keep-artefacts', async () => {
    expect(result.symbols).not.toContain('SAW_VERDICT_HEADER');
    const kept = await evaluate(join(root, 'kept'), '--keep-artefacts');
    expect(kept.symbols).toMatch(/^SAW_VERDICT_HEADER\t0.1\t70\t0\t/m);
    expect(kept.stdout).toContain('artefact headers kept');
  }, 60_000);

  it('refuses a run without ham, a bad fold count or an empty folder, with a one-line error', async () => {
    await expect(run(process.execPath, [CLI, 'eval', '--spam', spamDir])).rejects.toMatchObject({ code: 2, stderr: 'thresher eval: needs --spam and --ham paths\n' });
    await expect(run(process.execPath, [CLI, 'eval', '--spam', spamDir, '--ham', hamDir, '--folds', '1'])).rejects.toMatchObject({
      code: 2,
      stderr: 'thresher eval: --folds 1: expected an integer from 2 to 100\n',
    });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(run(process.execPath, [CLI, 'eval', '--spam', spamDir, '--ham', empty, '--out', join(root, 'none')])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('thresher eval: needs both spam and ham messages; found only spam\n'),
    });
  });
});
