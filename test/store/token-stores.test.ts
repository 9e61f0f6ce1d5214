import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MemoryTokenStore } from '../../src/store/memory-tokens.js';
import { RedisTokenStore } from '../../src/store/redis-tokens.js';
import { SqliteTokenStore, type ExpirySettings } from '../../src/store/sqlite-tokens.js';
import type { Label, TokenStore } from '../../src/store/tokens.js';
import { useRedis } from '../integration/support/redis.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// The same contract for every store (memory, SQLite, a real redis-server): idempotent learning
// per message id, relearning moves counts, forget unlearns, and the same learning gives the
// same counts and totals everywhere.

const expiry: ExpirySettings = { maxTokens: 1_000_000, maxAgeDays: 90, rareCount: 2, keepLearnedDays: 365, pruneEveryLearns: 1000 };
const tempFile = () => join(tempDir('tokens'), 'bayes.sqlite');

const redis = useRedis();

let prefixes = 0;
const stores: [string, () => Promise<TokenStore>][] = [
  ['memory', async () => new MemoryTokenStore()],
  ['sqlite', async () => SqliteTokenStore.open(tempFile(), { expiry })],
  // A prefix per store: the tests share one server but never each other's tokens.
  ['redis', () => RedisTokenStore.open({ url: redis.url, keyPrefix: `tokens${++prefixes}:`, timeoutMs: 2000, keepLearnedDays: 365 })],
];

describe.each(stores)('%s token store', (_, make) => {
  it('counts learned tokens per class and messages per class', async () => {
    const store = await make();
    expect(await store.learn('m1', ['cheap', 'pills', 'cheap'], 'spam')).toBe('learned');
    expect(await store.learn('m2', ['cheap', 'meeting'], 'ham')).toBe('learned');
    expect(await store.totals()).toEqual({ spam: 1, ham: 1 });
    const counts = await store.counts(['cheap', 'pills', 'meeting', 'unknown']);
    expect(Object.fromEntries(counts)).toEqual({
      cheap: { spam: 1, ham: 1 },
      pills: { spam: 1, ham: 0 },
      meeting: { spam: 0, ham: 1 },
    });
    await store.close();
  });

  it('learns a message id once: the same label again changes nothing', async () => {
    const store = await make();
    await store.learn('m1', ['offer'], 'spam');
    expect(await store.learn('m1', ['offer'], 'spam')).toBe('unchanged');
    expect(await store.totals()).toEqual({ spam: 1, ham: 0 });
    expect((await store.counts(['offer'])).get('offer')).toEqual({ spam: 1, ham: 0 });
    await store.close();
  });

  it('relearning as the other class moves the counts', async () => {
    const store = await make();
    await store.learn('m1', ['offer', 'friday'], 'spam');
    await store.learn('m2', ['offer'], 'spam');
    expect(await store.learn('m1', ['offer', 'friday'], 'ham')).toBe('relearned');
    expect(await store.totals()).toEqual({ spam: 1, ham: 1 });
    expect((await store.counts(['offer'])).get('offer')).toEqual({ spam: 1, ham: 1 });
    expect((await store.counts(['friday'])).get('friday')).toEqual({ spam: 0, ham: 1 });
    await store.close();
  });

  it('forget unlearns a message and drops tokens nobody else has', async () => {
    const store = await make();
    await store.learn('m1', ['offer', 'unique'], 'spam');
    await store.learn('m2', ['offer'], 'spam');
    expect(await store.forget('m1')).toBe(true);
    expect(await store.forget('m1')).toBe(false);
    expect(await store.forget('never')).toBe(false);
    expect(await store.totals()).toEqual({ spam: 1, ham: 0 });
    expect(await store.counts(['offer', 'unique'])).toEqual(new Map([['offer', { spam: 1, ham: 0 }]]));
    await store.close();
  });

  it('looks up many tokens at once (more than one statement chunk)', async () => {
    const store = await make();
    const tokens = Array.from({ length: 1234 }, (_, i) => `t${i}`);
    await store.learn('m1', tokens, 'ham');
    const counts = await store.counts([...tokens, 'absent']);
    expect(counts.size).toBe(1234);
    expect(counts.get('t1233')).toEqual({ spam: 0, ham: 1 });
    await store.close();
  });
  it('learnMany and forgetMany give the same outcomes as one by one, duplicates in a batch included', async () => {
    const store = await make();
    const outcomes = await store.learnMany([
      { id: 'a', tokens: ['x', 'y'], label: 'spam' },
      { id: 'b', tokens: ['x'], label: 'ham' },
      { id: 'a', tokens: ['x', 'y'], label: 'spam' },
      { id: 'a', tokens: ['x', 'y'], label: 'ham' },
    ]);
    expect(outcomes).toEqual(['learned', 'learned', 'unchanged', 'relearned']);
    expect(await store.totals()).toEqual({ spam: 0, ham: 2 });
    expect(Object.fromEntries(await store.counts(['x', 'y']))).toEqual({ x: { spam: 0, ham: 2 }, y: { spam: 0, ham: 1 } });
    expect(await store.forgetMany(['b', 'never', 'b'])).toEqual([true, false, false]);
    expect(Object.fromEntries(await store.counts(['x', 'y']))).toEqual({ x: { spam: 0, ham: 1 }, y: { spam: 0, ham: 1 } });
    expect(await store.tokenCount()).toBe(2);
    await store.close();
  });

  it('ends with the same counts and totals as the memory store after a random run of learn, relearn and forget', async () => {
    const store = await make();
    const reference = new MemoryTokenStore();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const vocabulary = Array.from({ length: 60 }, (_, i) => `w${i}`);
    for (let step = 0; step < 300; step++) {
      const id = `m${random(40)}`;
      if (random(5) === 0) {
        expect(await store.forget(id)).toBe(await reference.forget(id));
        continue;
      }
      // The same id always has the same tokens, as a message does.
      const tokens = vocabulary.filter((_, i) => (i * 31 + Number(id.slice(1)) * 17) % 7 === 0);
      const label: Label = random(2) === 0 ? 'spam' : 'ham';
      expect(await store.learn(id, tokens, label)).toBe(await reference.learn(id, tokens, label));
    }
    expect(await store.totals()).toEqual(await reference.totals());
    expect(await store.counts(vocabulary)).toEqual(await reference.counts(vocabulary));
    expect(await store.tokenCount()).toBe(await reference.tokenCount());
    await store.close();
  });
});

describe('SqliteTokenStore', () => {
  it('keeps its data when the file is reopened, and ids stay idempotent', async () => {
    const file = tempFile();
    const first = SqliteTokenStore.open(file, { expiry });
    await first.learn('m1', ['hello', 'world'], 'ham');
    await first.learn('m2', ['viagra'], 'spam');
    await first.close();
    const again = SqliteTokenStore.open(file, { expiry });
    expect(await again.totals()).toEqual({ spam: 1, ham: 1 });
    expect((await again.counts(['hello'])).get('hello')).toEqual({ spam: 0, ham: 1 });
    expect(await again.learn('m1', ['hello', 'world'], 'ham')).toBe('unchanged');
    expect(await again.tokenCount()).toBe(3);
    await again.close();
  });

  it('sees another connection\'s learning within a second (the counts cache is dropped on its commit)', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const file = tempFile();
      const reader = SqliteTokenStore.open(file, { expiry });
      const writer = SqliteTokenStore.open(file, { expiry });
      await writer.learn('m1', ['token'], 'spam');
      expect((await reader.counts(['token'])).get('token')).toEqual({ spam: 1, ham: 0 });
      await writer.learn('m2', ['token'], 'spam');
      expect((await reader.counts(['token'])).get('token')).toEqual({ spam: 1, ham: 0 }); // cached
      vi.advanceTimersByTime(1001);
      expect((await reader.counts(['token'])).get('token')).toEqual({ spam: 2, ham: 0 });
      // Its own learning updates its cache at once.
      await reader.learn('m3', ['token'], 'ham');
      expect((await reader.counts(['token'])).get('token')).toEqual({ spam: 2, ham: 1 });
      await reader.close();
      await writer.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('expires rare tokens not learned for max_age_days, keeps frequent ones', async () => {
    let now = Date.UTC(2026, 0, 1);
    const file = tempFile();
    const store = SqliteTokenStore.open(file, { expiry: { ...expiry, maxAgeDays: 30, rareCount: 1 }, now: () => now });
    await store.learn('m1', ['rare', 'common'], 'spam');
    await store.learn('m2', ['common'], 'spam');
    now += 31 * 86_400_000;
    expect(store.prune(1000)).toEqual({ tokensDropped: 1, learnedDropped: 0, complete: true });
    expect([...(await store.counts(['rare', 'common'])).keys()]).toEqual(['common']);
    await store.close();
  });

  it('prunes when opened by a writer, not when opened by a reader (pruneOnOpen: false)', async () => {
    let now = Date.UTC(2026, 0, 1);
    const file = tempFile();
    const settings = { expiry: { ...expiry, maxAgeDays: 30, rareCount: 1 }, now: () => now };
    const first = SqliteTokenStore.open(file, settings);
    await first.learn('m1', ['rare'], 'spam');
    await first.close();
    now += 31 * 86_400_000;
    const reader = SqliteTokenStore.open(file, { ...settings, pruneOnOpen: false });
    expect([...(await reader.counts(['rare'])).keys()]).toEqual(['rare']);
    await reader.close();
    const writer = SqliteTokenStore.open(file, settings);
    expect((await writer.counts(['rare'])).size).toBe(0);
    await writer.close();
  });

  it('keeps at most max_tokens: the least recently learned go, rare ones first, down to 90 %', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = SqliteTokenStore.open(tempFile(), { expiry: { ...expiry, maxTokens: 1000 }, now: () => now });
    await store.learn('old-frequent-1', ['keep'], 'ham');
    await store.learn('old-frequent-2', ['keep'], 'ham');
    await store.learn('old-frequent-3', ['keep'], 'ham');
    await store.learn('old', Array.from({ length: 600 }, (_, i) => `old${i}`), 'ham');
    now += 86_400_000;
    await store.learn('new', Array.from({ length: 600 }, (_, i) => `new${i}`), 'spam');
    expect(await store.tokenCount()).toBe(1201);
    const report = store.prune(1000);
    expect(report.complete).toBe(true);
    expect(await store.tokenCount()).toBe(900);
    // 301 go, all of them old and rare: 'keep' (count 3, above rare_count) and the new tokens stay.
    const newTokens = Array.from({ length: 600 }, (_, i) => `new${i}`);
    const oldTokens = Array.from({ length: 600 }, (_, i) => `old${i}`);
    expect((await store.counts(['keep', ...newTokens])).size).toBe(601);
    expect((await store.counts(oldTokens)).size).toBe(299);
    await store.close();
  });

  it('prunes by itself every prune_every_learns learns', async () => {
    const store = SqliteTokenStore.open(tempFile(), { expiry: { ...expiry, maxTokens: 1000, pruneEveryLearns: 3 } });
    for (let m = 0; m < 3; m++) await store.learn(`m${m}`, Array.from({ length: 500 }, (_, i) => `m${m}t${i}`), 'spam');
    expect(await store.tokenCount()).toBe(900);
    await store.close();
  });

  it('drops learned ids older than keep_learned_days: such a message can no longer be forgotten', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = SqliteTokenStore.open(tempFile(), { expiry: { ...expiry, keepLearnedDays: 10 }, now: () => now });
    await store.learn('m1', ['a', 'b', 'c'], 'spam');
    now += 11 * 86_400_000;
    expect(store.prune(1000).learnedDropped).toBe(1);
    expect(await store.forget('m1')).toBe(false);
    expect(await store.totals()).toEqual({ spam: 1, ham: 0 });
    await store.close();
  });

  it('refuses a database of an unknown schema version', async () => {
    const file = tempFile();
    const store = SqliteTokenStore.open(file, { expiry });
    await store.close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => SqliteTokenStore.open(file, { expiry })).toThrow(/schema version 99/);
  });
});
