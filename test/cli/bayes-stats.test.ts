import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { useRedis } from '../integration/support/redis.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';
import type { BayesStats } from '../../src/cli/bayes-stats.js';

afterAll(removeTempDirs);

// Learns with the built CLI, then asks `thresher bayes stats` what the store holds.
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const thresher = (...args: string[]) => run(process.execPath, [CLI, ...args]);

const root = tempDir('bayes-stats');
const spamDir = join(root, 'spam');
const hamDir = join(root, 'ham');
mkdirSync(spamDir);
mkdirSync(hamDir);
for (let i = 0; i < 12; i++) {
  writeFileSync(join(spamDir, `${i}.eml`), `From: deals${i}@shop.example\nMessage-ID: <s${i}@shop.example>\nSubject: Cheap pills ${i}\n\nBuy cheap pills now, offer ${i}\n`);
  if (i < 3) writeFileSync(join(hamDir, `${i}.eml`), `From: alice@example.org\nMessage-ID: <h${i}@example.org>\nSubject: patch ${i}\n\nThe patch looks fine, item ${i}\n`);
}
const config = join(root, 'thresher.yaml');
writeFileSync(config, 'bayes:\n  min_learned: {spam: 10, ham: 10}\n');
const today = new Date().toISOString().slice(0, 10);


describe('thresher bayes stats (SQLite)', () => {
  const dataDir = join(root, 'data');

  it('before anything is learned: says so and creates nothing', async () => {
    const { stdout } = await thresher('bayes', 'stats', '--config', config, '-d', dataDir);
    expect(stdout).toBe(`nothing learned yet at ${join(dataDir, 'bayes.sqlite')}\n`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('after learning: counts per class, tokens, learn dates, size and why Bayes does not vote yet', async () => {
    await thresher('learn', '--config', config, '-d', dataDir, '--spam', spamDir, '--ham', hamDir);
    const { stdout } = await thresher('bayes', 'stats', '--config', config, '-d', dataDir, '--json');
    const stats = JSON.parse(stdout) as BayesStats;
    const file = join(dataDir, 'bayes.sqlite');
    expect(stats).toMatchObject({ store: file, kind: 'sqlite', spam: 12, ham: 3, oldestLearn: today, newestLearn: today });
    expect(stats.tokens).toBeGreaterThan(10);
    expect(stats.bytes).toBeGreaterThanOrEqual(statSync(file).size);
    expect(stats.bayes).toBe('learning (not yet voting: 12/10 spam and 3/10 ham learned of the min_learned required)');
    const text = await thresher('bayes', 'stats', '--config', config, '-d', dataDir);
    expect(text.stdout).toContain('learned   12 spam messages, 3 ham messages\n');
    expect(text.stdout).toContain(`learns    oldest ${today}, newest ${today}`);
  });

  it('votes once min_learned is reached; off when bayes.enabled is false', async () => {
    const { stdout } = await thresher('bayes', 'stats', '-d', join(root, 'data'), '--json');
    // The defaults' min_learned asks for more than 3 ham; a config asking for 3 of each lets it vote.
    const low = join(root, 'low.yaml');
    writeFileSync(low, 'bayes:\n  min_learned: {spam: 3, ham: 3}\n');
    const voting = JSON.parse((await thresher('bayes', 'stats', '--config', low, '-d', join(root, 'data'), '--json')).stdout) as BayesStats;
    expect(voting.bayes).toBe('voting');
    expect((JSON.parse(stdout) as BayesStats).bayes).toMatch(/^learning \(not yet voting/);
    const off = join(root, 'off.yaml');
    writeFileSync(off, 'bayes:\n  enabled: false\n');
    const text = await thresher('bayes', 'stats', '--config', off, '-d', join(root, 'data'));
    expect(text.stdout).toContain('bayes     off (bayes.enabled is false: check and serve do not use it)\n');
  });
});

describe('thresher bayes stats (Redis)', () => {
  const redis = useRedis();

  it('nothing learned yet, then counts and tokens; no learn dates or size, and says so', async () => {
    const before = await thresher('bayes', 'stats', '--config', config, '--store', redis.url);
    expect(before.stdout).toBe(`nothing learned yet at ${redis.url}\n`);
    await thresher('learn', '--config', config, '--store', redis.url, '--spam', spamDir, '--ham', hamDir);
    const stats = JSON.parse((await thresher('bayes', 'stats', '--config', config, '--store', redis.url, '--json')).stdout) as BayesStats;
    expect(stats).toMatchObject({ store: redis.url, kind: 'redis', spam: 12, ham: 3, oldestLearn: null, newestLearn: null, bytes: null });
    expect(stats.tokens).toBeGreaterThan(10);
    const text = await thresher('bayes', 'stats', '--config', config, '--store', redis.url);
    expect(text.stdout).toContain('learns    not kept by the Redis store');
  });
});
