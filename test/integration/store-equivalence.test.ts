// SQLite and Redis learn the same: a sample of the development corpus learned into each with
// `thresher learn` gives the same `thresher check --json` scores for other messages.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
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

/** Every `step`-th file of each `<source>/<label>` folder, in name order, until `count`. */
function sample(label: 'spam' | 'ham', count: number, offset: number): string[] {
  const files = readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(CORPUS, d.name, label)))
    .flatMap((d) => readdirSync(join(CORPUS, d.name, label)).sort().map((f) => join(CORPUS, d.name, label, f)));
  const step = Math.max(1, Math.floor(files.length / (2 * count)));
  return files.filter((_, i) => i % step === offset % step).slice(0, count);
}

const haveCorpus = existsSync(CORPUS);
// The corpus is development data, not part of a clone: without it this comparison is skipped (the
// token-store contract suite still holds Redis to the same counts as SQLite and memory).
describe.skipIf(!haveCorpus)('the same learning in SQLite and Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
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
