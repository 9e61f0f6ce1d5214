// Redis going away under a running store: calls fail within the time limit with an error that
// names the server (never hang on an offline queue), and once Redis is back on the same port
// the store reconnects by itself.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '../../src/store/redis-kv.js';
import { useRedis } from '../integration/support/redis.js';

const TIMEOUT_MS = 300;
/** Allowance over the time limit for a loaded machine; a hang would take far longer. */
const SLACK_MS = 700;

const redis = useRedis();

async function timed<T>(p: Promise<T>): Promise<{ ms: number; error?: Error }> {
  const t0 = performance.now();
  try {
    await p;
    return { ms: performance.now() - t0 };
  } catch (err) {
    return { ms: performance.now() - t0, error: err as Error };
  }
}

describe('Redis key-value store when Redis stops and comes back', () => {
  it('rejects fast while Redis is down, then works again after a restart on the same port', async () => {
    const store = await RedisKeyValueStore.open({ url: redis.url, keyPrefix: 'outage:', timeoutMs: TIMEOUT_MS });
    try {
      await store.set('k', 'v');
      await redis.stop();
      for (const call of [() => store.get('k'), () => store.take('b', { burst: 1, ratePerSecond: 1 }, 0), () => store.increment('n')]) {
        const { ms, error } = await timed(call());
        expect(error?.message).toMatch(new RegExp(`^redis redis://127\\.0\\.0\\.1:${redis.port}/0: `));
        expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      }
      await redis.restart();
      // The client reconnects on its own (at most a second between attempts); no call hangs meanwhile.
      const deadline = Date.now() + 5000;
      let value: string | undefined | Error = new Error('never answered');
      while (Date.now() < deadline) {
        const t0 = performance.now();
        value = await store.set('k', 'back').then(() => store.get('k'), (err: Error) => err);
        expect(performance.now() - t0).toBeLessThan(2 * (TIMEOUT_MS + SLACK_MS));
        if (!(value instanceof Error)) break;
        await sleep(100);
      }
      expect(value).toBe('back');
    } finally {
      await store.close();
    }
  });

  it('fails to open with one line naming the server when nothing listens', async () => {
    await redis.stop();
    try {
      const { ms, error } = await timed(RedisKeyValueStore.open({ url: redis.url, keyPrefix: 'x:', timeoutMs: TIMEOUT_MS }));
      expect(error?.message).toMatch(new RegExp(`^redis://127\\.0\\.0\\.1:${redis.port}/0: cannot open: `));
      expect(error?.message).not.toContain('\n');
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    } finally {
      await redis.restart();
    }
  });
});
