import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MemoryTokenStore } from '../../src/store/memory-tokens.js';
import { SqliteTokenStore, type ExpirySettings } from '../../src/store/sqlite-tokens.js';
import type { TokenStore } from '../../src/store/tokens.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// The same contract for both stores: idempotent learning per message id, relearning moves
// counts, forget unlearns.

const expiry: ExpirySettings = { maxTokens: 1_000_000, maxAgeDays: 90, rareCount: 2, keepLearnedDays: 365, pruneEveryLearns: 1000 };
const tempFile = () => join(tempDir('tokens'), 'bayes.sqlite');

const stores: [string, () => TokenStore][] = [
  ['memory', () => new MemoryTokenStore()],
  ['sqlite', () => SqliteTokenStore.open(tempFile(), { expiry })],
];

describe.each(stores)('%s token store', (_, make) => {
  it('counts learned tokens per class and messages per class', () => {
    const store = make();
    expect(store.learn('m1', ['cheap', 'pills', 'cheap'], 'spam')).toBe('learned');
    expect(store.learn('m2', ['cheap', 'meeting'], 'ham')).toBe('learned');
    expect(store.totals()).toEqual({ spam: 1, ham: 1 });
    const counts = store.counts(['cheap', 'pills', 'meeting', 'unknown']);
    expect(Object.fromEntries(counts)).toEqual({
      cheap: { spam: 1, ham: 1 },
      pills: { spam: 1, ham: 0 },
      meeting: { spam: 0, ham: 1 },
    });
    store.close();
  });

  it('learns a message id once: the same label again changes nothing', () => {
    const store = make();
    store.learn('m1', ['offer'], 'spam');
    expect(store.learn('m1', ['offer'], 'spam')).toBe('unchanged');
    expect(store.totals()).toEqual({ spam: 1, ham: 0 });
    expect(store.counts(['offer']).get('offer')).toEqual({ spam: 1, ham: 0 });
    store.close();
  });

  it('relearning as the other class moves the counts', () => {
    const store = make();
    store.learn('m1', ['offer', 'friday'], 'spam');
    store.learn('m2', ['offer'], 'spam');
    expect(store.learn('m1', ['offer', 'friday'], 'ham')).toBe('relearned');
    expect(store.totals()).toEqual({ spam: 1, ham: 1 });
    expect(store.counts(['offer']).get('offer')).toEqual({ spam: 1, ham: 1 });
    expect(store.counts(['friday']).get('friday')).toEqual({ spam: 0, ham: 1 });
    store.close();
  });

  it('forget unlearns a message and drops tokens nobody else has', () => {
    const store = make();
    store.learn('m1', ['offer', 'unique'], 'spam');
    store.learn('m2', ['offer'], 'spam');
    expect(store.forget('m1')).toBe(true);
    expect(store.forget('m1')).toBe(false);
    expect(store.forget('never')).toBe(false);
    expect(store.totals()).toEqual({ spam: 1, ham: 0 });
    expect(store.counts(['offer', 'unique'])).toEqual(new Map([['offer', { spam: 1, ham: 0 }]]));
    store.close();
  });

  it('looks up many tokens at once (more than one statement chunk)', () => {
    const store = make();
    const tokens = Array.from({ length: 1234 }, (_, i) => `t${i}`);
    store.learn('m1', tokens, 'ham');
    const counts = store.counts([...tokens, 'absent']);
    expect(counts.size).toBe(1234);
    expect(counts.get('t1233')).toEqual({ spam: 0, ham: 1 });
    store.close();
  });
});

describe('SqliteTokenStore', () => {
  it('keeps its data when the file is reopened, and ids stay idempotent', () => {
    const file = tempFile();
    const first = SqliteTokenStore.open(file, { expiry });
    first.learn('m1', ['hello', 'world'], 'ham');
    first.learn('m2', ['viagra'], 'spam');
    first.close();
    const again = SqliteTokenStore.open(file, { expiry });
    expect(again.totals()).toEqual({ spam: 1, ham: 1 });
    expect(again.counts(['hello']).get('hello')).toEqual({ spam: 0, ham: 1 });
    expect(again.learn('m1', ['hello', 'world'], 'ham')).toBe('unchanged');
    expect(again.tokenCount()).toBe(3);
    again.close();
  });

  it('learnMany gives the same outcomes as learn one by one, duplicates in a batch included', () => {
    const store = SqliteTokenStore.open(tempFile(), { expiry });
    const outcomes = store.learnMany([
      { id: 'a', tokens: ['x', 'y'], label: 'spam' },
      { id: 'b', tokens: ['x'], label: 'ham' },
      { id: 'a', tokens: ['x', 'y'], label: 'spam' },
      { id: 'a', tokens: ['x', 'y'], label: 'ham' },
    ]);
    expect(outcomes).toEqual(['learned', 'learned', 'unchanged', 'relearned']);
    expect(store.totals()).toEqual({ spam: 0, ham: 2 });
    expect(Object.fromEntries(store.counts(['x', 'y']))).toEqual({ x: { spam: 0, ham: 2 }, y: { spam: 0, ham: 1 } });
    store.close();
  });

  it('sees another connection\'s learning within a second (the counts cache is dropped on its commit)', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const file = tempFile();
      const reader = SqliteTokenStore.open(file, { expiry });
      const writer = SqliteTokenStore.open(file, { expiry });
      writer.learn('m1', ['token'], 'spam');
      expect(reader.counts(['token']).get('token')).toEqual({ spam: 1, ham: 0 });
      writer.learn('m2', ['token'], 'spam');
      expect(reader.counts(['token']).get('token')).toEqual({ spam: 1, ham: 0 }); // cached
      vi.advanceTimersByTime(1001);
      expect(reader.counts(['token']).get('token')).toEqual({ spam: 2, ham: 0 });
      // Its own learning updates its cache at once.
      reader.learn('m3', ['token'], 'ham');
      expect(reader.counts(['token']).get('token')).toEqual({ spam: 2, ham: 1 });
      reader.close();
      writer.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('expires rare tokens not learned for max_age_days, keeps frequent ones', () => {
    let now = Date.UTC(2026, 0, 1);
    const file = tempFile();
    const store = SqliteTokenStore.open(file, { expiry: { ...expiry, maxAgeDays: 30, rareCount: 1 }, now: () => now });
    store.learn('m1', ['rare', 'common'], 'spam');
    store.learn('m2', ['common'], 'spam');
    now += 31 * 86_400_000;
    expect(store.prune(1000)).toEqual({ tokensDropped: 1, learnedDropped: 0, complete: true });
    expect([...store.counts(['rare', 'common']).keys()]).toEqual(['common']);
    store.close();
  });

  it('prunes when opened by a writer, not when opened by a reader (pruneOnOpen: false)', () => {
    let now = Date.UTC(2026, 0, 1);
    const file = tempFile();
    const settings = { expiry: { ...expiry, maxAgeDays: 30, rareCount: 1 }, now: () => now };
    const first = SqliteTokenStore.open(file, settings);
    first.learn('m1', ['rare'], 'spam');
    first.close();
    now += 31 * 86_400_000;
    const reader = SqliteTokenStore.open(file, { ...settings, pruneOnOpen: false });
    expect([...reader.counts(['rare']).keys()]).toEqual(['rare']);
    reader.close();
    const writer = SqliteTokenStore.open(file, settings);
    expect(writer.counts(['rare']).size).toBe(0);
    writer.close();
  });

  it('keeps at most max_tokens: the least recently learned go, rare ones first, down to 90 %', () => {
    let now = Date.UTC(2026, 0, 1);
    const store = SqliteTokenStore.open(tempFile(), { expiry: { ...expiry, maxTokens: 1000 }, now: () => now });
    store.learn('old-frequent-1', ['keep'], 'ham');
    store.learn('old-frequent-2', ['keep'], 'ham');
    store.learn('old-frequent-3', ['keep'], 'ham');
    store.learn('old', Array.from({ length: 600 }, (_, i) => `old${i}`), 'ham');
    now += 86_400_000;
    store.learn('new', Array.from({ length: 600 }, (_, i) => `new${i}`), 'spam');
    expect(store.tokenCount()).toBe(1201);
    const report = store.prune(1000);
    expect(report.complete).toBe(true);
    expect(store.tokenCount()).toBe(900);
    // 301 go, all of them old and rare: 'keep' (count 3, above rare_count) and the new tokens stay.
    const newTokens = Array.from({ length: 600 }, (_, i) => `new${i}`);
    const oldTokens = Array.from({ length: 600 }, (_, i) => `old${i}`);
    expect(store.counts(['keep', ...newTokens]).size).toBe(601);
    expect(store.counts(oldTokens).size).toBe(299);
    store.close();
  });

  it('prunes by itself every prune_every_learns learns', () => {
    const store = SqliteTokenStore.open(tempFile(), { expiry: { ...expiry, maxTokens: 1000, pruneEveryLearns: 3 } });
    for (let m = 0; m < 3; m++) store.learn(`m${m}`, Array.from({ length: 500 }, (_, i) => `m${m}t${i}`), 'spam');
    expect(store.tokenCount()).toBe(900);
    store.close();
  });

  it('drops learned ids older than keep_learned_days: such a message can no longer be forgotten', () => {
    let now = Date.UTC(2026, 0, 1);
    const store = SqliteTokenStore.open(tempFile(), { expiry: { ...expiry, keepLearnedDays: 10 }, now: () => now });
    store.learn('m1', ['a', 'b', 'c'], 'spam');
    now += 11 * 86_400_000;
    expect(store.prune(1000).learnedDropped).toBe(1);
    expect(store.forget('m1')).toBe(false);
    expect(store.totals()).toEqual({ spam: 1, ham: 0 });
    store.close();
  });

  it('refuses a database of an unknown schema version', () => {
    const file = tempFile();
    const store = SqliteTokenStore.open(file, { expiry });
    store.close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => SqliteTokenStore.open(file, { expiry })).toThrow(/schema version 99/);
  });
});
