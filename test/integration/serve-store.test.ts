// The server and its state store: the ready log says what Bayes does with an empty store, and a
// Redis store that is down at start does not stop the server; SIGHUP opens it once it is back.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useRedis } from './support/redis.js';
import { startThresher } from './support/thresher.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

const redis = useRedis();

describe('thresher serve and its state store', () => {
  it('says Bayes is learning, not voting, while the store holds less than min_learned', async () => {
    const dir = tempDir('serve-store');
    const t = await startThresher(`data_dir: ${dir}\nbayes:\n  min_learned: {spam: 20, ham: 30}\n`);
    try {
      const ready = await t.waitForLog('thresher ready');
      expect(ready.store).toBe('sqlite');
      expect(ready.bayes).toBe('learning (not yet voting: 0/20 spam and 0/30 ham learned of the min_learned required)');
    } finally {
      expect(await t.stop()).toBe(0);
    }
  });

  it('runs without its Redis store when Redis is down at start, and opens it on SIGHUP once Redis is back', async () => {
    await redis.stop();
    const t = await startThresher(`store: ${redis.url}\nredis:\n  timeout_ms: 300\n`);
    try {
      const ready = await t.waitForLog('thresher ready');
      expect(ready.bayes).toBe('unavailable');
      const failed = t.records().find((r) => r.msg === 'cannot open the state store; running without Bayes');
      expect(failed?.err).toMatch(new RegExp(`^redis://127\\.0\\.0\\.1:${redis.port}/0: cannot open: `));
      await redis.restart();
      const before = t.records().length;
      t.signal('SIGHUP');
      const opened = await t.waitForLog('state store opened', before);
      expect(opened.bayes).toBe('learning (not yet voting: 0/200 spam and 0/200 ham learned of the min_learned required)');
      await t.waitForLog('configuration reloaded', before);
      expect(t.records().slice(before).filter((r) => r.msg === 'cannot open the state store; running without Bayes')).toEqual([]);
    } finally {
      expect(await t.stop()).toBe(0);
    }
  });
});
