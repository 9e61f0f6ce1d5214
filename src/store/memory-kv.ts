import { checkBucket, formatBucket, parseBucket, takeFrom } from './bucket.js';
import { checkDelta, counterValue, ttlOf } from './kv-args.js';
import type { BucketTake, KeyValueStore, TokenBucket } from './kv.js';

/** A key-value store in memory, for unit tests of single modules: expiry by the injected clock. */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, { value: string; expiresAt: number | undefined }>();
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((k) => this.read(k));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.read(key) !== undefined) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  async compareAndSet(key: string, expected: string | undefined, value: string, ttlMs?: number): Promise<boolean> {
    if (this.read(key) !== expected) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.read(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async increment(key: string, delta = 1, ttlMs?: number): Promise<number> {
    checkDelta(delta);
    const current = this.read(key);
    const next = counterValue(key, current) + delta;
    if (current === undefined) this.write(key, String(next), ttlMs);
    else this.entries.get(key)!.value = String(next);
    return next;
  }

  async take(key: string, bucket: TokenBucket, nowMs: number, cost = 1): Promise<BucketTake> {
    checkBucket(bucket, cost);
    const { take, next, fullInMs } = takeFrom(parseBucket(this.read(key)), bucket, nowMs, cost);
    this.write(key, formatBucket(next), fullInMs + 1);
    return take;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private read(key: string): string | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  private write(key: string, value: string, ttl: number | undefined): void {
    const ttlMs = ttlOf(ttl);
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? undefined : this.now() + ttlMs });
  }
}
