// SQLite and Redis learn the same: a sample of labelled mail learned into each with `thresher
// learn` gives the same `thresher check --json` scores for other messages. The mail is the
// development corpus where it sits beside the repository; a clone without it (CI) gets a
// generated corpus of the same layout, so the comparison always runs.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN } from './support/thresher.js';
import { startRedis, type RedisServer } from './support/redis.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

const run = promisify(execFile);
const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const LEARN_PER_CLASS = 100;
const PROBES_PER_CLASS = 15;

const SPAM_WORDS = 'viagra cheap pills offer winner prize claim free money casino loan credit urgent bonus discount replica watches pharmacy guaranteed click unsubscribe'.split(' ');
const HAM_WORDS = 'meeting agenda minutes patch review kernel build release notes schedule lunch project budget draft thanks regards attached report merge branch'.split(' ');

/** `<root>/generated/{spam,ham}/*.eml`: messages drawn from two vocabularies with a fixed seed. */
function generateCorpus(root: string, perClass: number): void {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = (words: string[], n: number) => Array.from({ length: n }, () => words[Math.floor(next() * words.length)]).join(' ');
  for (const [label, words] of [['spam', SPAM_WORDS], ['ham', HAM_WORDS]] as const) {
    const folder = join(root, 'generated', label);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const text = `From: sender${i}@${label}.example\r\nTo: user@example.org\r\nSubject: ${pick(words, 4)}\r\nDate: Thu, 1 Jan 2026 12:00:00 +0000\r\nMessage-ID: <${label}-${i}@example.org>\r\n\r\n${pick(words, 40)}\r\n${pick([...words, ...SPAM_WORDS, ...HAM_WORDS], 10)}\r\n`;
      writeFileSync(join(folder, `${String(i).padStart(4, '0')}.eml`), text);
    }
  }
}

let corpus = CORPUS;

/** Every `step`-th file of each `<source>/<label>` folder, in name order, until `count`. */
function sample(label: 'spam' | 'ham', count: number, offset: number): string[] {
  const files = readdirSync(corpus, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(corpus, d.name, label)))
    .flatMap((d) => readdirSync(join(corpus, d.name, label)).sort().map((f) => join(corpus, d.name, label, f)));
  const step = Math.max(1, Math.floor(files.length / (2 * count)));
  return files.filter((_, i) => i % step === offset % step).slice(0, count);
}

describe('the same learning in SQLite and Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    if (!existsSync(CORPUS)) {
      corpus = tempDir('generated-corpus');
      generateCorpus(corpus, 2 * (LEARN_PER_CLASS + PROBES_PER_CLASS));
    }
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('gives the same check --json scores, Bayes symbols included', { timeout: 180_000 }, async () => {
    const dir = tempDir('equivalence');
    const config = join(dir, 'thresher.yaml');
    writeFileSync(config, `data_dir: ${join(dir, 'data')}\nbayes:\n  min_learned: {spam: 50, ham: 50}\n`);
    const learnArgs = ['--spam', ...sample('spam', LEARN_PER_CLASS, 0), '--ham', ...sample('ham', LEARN_PER_CLASS, 0)];
    const probes = [...sample('spam', PROBES_PER_CLASS, 1), ...sample('ham', PROBES_PER_CLASS, 1)];
    const cli = (...args: string[]) => run(process.execPath, [MAIN, ...args], { maxBuffer: 64 * 1024 * 1024 });

    const sqliteLearn = await cli('learn', '--config', config, ...learnArgs);
    const redisLearn = await cli('learn', '--config', config, '--store', redis.url, ...learnArgs);
    const summary = (out: string) => /: (\d+ spam, \d+ ham, \d+ tokens)/.exec(out)?.[1];
    expect(summary(sqliteLearn.stdout)).toBe(summary(redisLearn.stdout));
    expect(summary(redisLearn.stdout)).toMatch(/^100 spam, 100 ham, [1-9]\d+ tokens$/);

    const scores = async (...store: string[]) => {
      const { stdout } = await cli('check', '--json', '--config', config, ...store, ...probes);
      return stdout.trim().split('\n').map((line) => {
        const r = JSON.parse(line) as { file: string; score: number; symbols: { name: string }[] };
        return { file: r.file, score: r.score, bayes: r.symbols.map((s) => s.name).filter((n) => n.startsWith('BAYES_')) };
      });
    };
    const fromSqlite = await scores();
    const fromRedis = await scores('--store', redis.url);
    expect(fromRedis).toEqual(fromSqlite);
    // Bayes voted on most probes, so the comparison covers the token counts.
    expect(fromSqlite.filter((r) => r.bayes.length > 0).length).toBeGreaterThan(probes.length / 2);
  });
});
