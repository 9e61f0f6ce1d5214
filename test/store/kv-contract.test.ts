// One contract for every key-value store: SQLite (the embedded default), Redis (a real
// redis-server on loopback) and the in-memory store of unit tests give the same answers.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/store/kv.js';
import { MemoryKeyValueStore } from '../../src/store/memory-kv.js';
import { RedisKeyValueStore } from '../../src/store/redis-kv.js';
import { SqliteKeyValueStore } from '../../src/store/sqlite-kv.js';
import { useRedis } from '../integration/support/redis.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

/** A backend under test: `open` gives another instance (connection) on the same data; `advance` lets time pass for expiry. */
interface Backend {
  open(): Promise<KeyValueStore>;
  advance(ms: number): Promise<void>;
}

const redis = useRedis();

let prefixes = 0;
const backends: [string, () => Backend][] = [
  ['memory', () => {
    let now = 1_000_000;
    const shared = new MemoryKeyValueStore({ now: () => now });
    // One process's map: "another instance" is the same object.
    return { open: async () => shared, advance: async (ms) => { now += ms; } };
  }],
  ['sqlite', () => {
    let now = 1_000_000;
    const file = join(tempDir('kv'), 'state.sqlite');
    return { open: async () => SqliteKeyValueStore.open(file, { create: true, now: () => now }), advance: async (ms) => { now += ms; } };
  }],
  ['redis', () => {
    // A prefix per test: the tests share one server but never each other's keys.
    const keyPrefix = `test${++prefixes}:`;
    return { open: () => RedisKeyValueStore.open({ url: redis.url, keyPrefix, timeoutMs: 1000 }), advance: (ms) => sleep(ms) };
  }],
];

describe.each(backends)('%s key-value store', (kind, backend) => {
  const opened: KeyValueStore[] = [];
  const make = async () => {
    const b = backend();
    const store = await b.open();
    opened.push(store);
    return { b, store, another: async () => { const s = await b.open(); opened.push(s); return s; } };
  };
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it('says what it is', async () => {
    expect((await make()).store.kind).toBe(kind);
  });

  it('gets, sets, deletes, and reads many keys at once in order', async () => {
    const { store } = await make();
    expect(await store.get('a')).toBeUndefined();
    await store.set('a', '1');
    await store.set('b', 'two words');
    await store.set('a', 'again');
    expect(await store.get('a')).toBe('again');
    expect(await store.getMany(['b', 'missing', 'a'])).toEqual(['two words', undefined, 'again']);
    expect(await store.getMany([])).toEqual([]);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await store.get('a')).toBeUndefined();
  });

  it('expires a key after its TTL; a write without TTL keeps the key', async () => {
    const { b, store } = await make();
    await store.set('short', 'x', 150);
    await store.set('kept', 'y');
    await store.set('dropped-ttl', 'z', 150);
    await store.set('dropped-ttl', 'z2');
    expect(await store.get('short')).toBe('x');
    await b.advance(300);
    expect(await store.getMany(['short', 'kept', 'dropped-ttl'])).toEqual([undefined, 'y', 'z2']);
    expect(await store.delete('short')).toBe(false);
  });

  it('setIfAbsent writes once, and again over an expired key', async () => {
    const { b, store } = await make();
    expect(await store.setIfAbsent('k', 'first', 150)).toBe(true);
    expect(await store.setIfAbsent('k', 'second')).toBe(false);
    expect(await store.get('k')).toBe('first');
    await b.advance(300);
    expect(await store.setIfAbsent('k', 'third')).toBe(true);
    expect(await store.get('k')).toBe('third');
  });

  it('compareAndSet writes only over the expected value (undefined: absent)', async () => {
    const { store } = await make();
    expect(await store.compareAndSet('k', 'nope', 'v1')).toBe(false);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.compareAndSet('k', undefined, 'v1')).toBe(true);
    expect(await store.compareAndSet('k', undefined, 'v2')).toBe(false);
    expect(await store.compareAndSet('k', 'v0', 'v2')).toBe(false);
    expect(await store.compareAndSet('k', 'v1', 'v2', 60_000)).toBe(true);
    expect(await store.get('k')).toBe('v2');
  });

  it('compareAndSet lets exactly one of many concurrent writers win', async () => {
    const { store, another } = await make();
    const other = await another();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).compareAndSet('race', undefined, `w${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get('race')).toBe(`w${results.indexOf(true)}`);
  });

  it('increments atomically from two instances; an absent key counts as 0', async () => {
    const { store, another } = await make();
    const other = await another();
    expect(await store.increment('n')).toBe(1);
    expect(await store.increment('n', 5)).toBe(6);
    expect(await store.increment('n', -10)).toBe(-4);
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? store : other).increment('c')));
    expect(await store.get('c')).toBe('100');
  });

  it('increment applies its TTL when it creates the key, not on later increments', async () => {
    const { b, store } = await make();
    expect(await store.increment('t', 1, 400)).toBe(1);
    await b.advance(100);
    expect(await store.increment('t', 1, 60_000)).toBe(2);
    await b.advance(500);
    expect(await store.get('t')).toBeUndefined();
    expect(await store.increment('t', 1)).toBe(1);
  });

  it('refuses a non-integer delta, a counter that is not a number, and a TTL that is not positive', async () => {
    const { store } = await make();
    await expect(store.increment('n', 1.5)).rejects.toThrow(RangeError);
    await store.set('text', 'abc');
    await expect(store.increment('text')).rejects.toThrow(TypeError);
    expect(await store.get('text')).toBe('abc');
    await expect(store.set('k', 'v', 0)).rejects.toThrow(RangeError);
    await expect(store.take('b', { burst: 1, ratePerSecond: 1 }, 0, 2)).rejects.toThrow(RangeError);
  });

  it('token bucket: a full burst, then refusals with the time to wait, then refill by elapsed time up to the burst', async () => {
    const { store } = await make();
    const bucket = { burst: 3, ratePerSecond: 2 };
    const t0 = 1_700_000_000_000;
    const takes = [];
    for (let i = 0; i < 4; i++) takes.push(await store.take('bucket', bucket, t0));
    expect(takes).toEqual([
      { allowed: true, remaining: 2, retryAfterMs: 0 },
      { allowed: true, remaining: 1, retryAfterMs: 0 },
      { allowed: true, remaining: 0, retryAfterMs: 0 },
      { allowed: false, remaining: 0, retryAfterMs: 500 },
    ]);
    expect(await store.take('bucket', bucket, t0 + 250)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 250 });
    expect(await store.take('bucket', bucket, t0 + 500)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    // A clock that went back (another host's) refills nothing.
    expect((await store.take('bucket', bucket, t0)).allowed).toBe(false);
    // Long idle: full again, never more than the burst.
    expect(await store.take('bucket', bucket, t0 + 3_600_000, 2)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    expect(await store.take('other', bucket, t0, 3)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
  });

  it('a token is due exactly when the rate says, for rates that are not exact in binary (4 per hour)', async () => {
    const { store } = await make();
    const bucket = { burst: 4, ratePerSecond: 4 / 3600 };
    const t0 = 1_000_000;
    for (let i = 0; i < 4; i++) expect((await store.take('hourly', bucket, t0)).allowed).toBe(true);
    expect((await store.take('hourly', bucket, t0 + 15 * 60_000 - 1)).allowed).toBe(false);
    expect((await store.take('hourly', bucket, t0 + 15 * 60_000)).allowed).toBe(true);
  });

  it('token bucket: many concurrent takes from two instances never grant more than the burst', async () => {
    const { store, another } = await make();
    const other = await another();
    const bucket = { burst: 25, ratePerSecond: 0.001 };
    const now = 1_700_000_000_000;
    const takes = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? store : other).take('shared', bucket, now)));
    expect(takes.filter((t) => t.allowed)).toHaveLength(25);
  });

  it('keeps a drained bucket drained across a restart, and refills it by the time elapsed', async () => {
    const { store, another } = await make();
    const bucket = { burst: 2, ratePerSecond: 1 };
    const t0 = 1_700_000_000_000;
    await store.take('restart', bucket, t0);
    await store.take('restart', bucket, t0);
    if (kind !== 'memory') await store.close();
    const reopened = await another();
    expect(await reopened.take('restart', bucket, t0 + 100)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 900 });
    expect(await reopened.take('restart', bucket, t0 + 1000)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
  });
});
