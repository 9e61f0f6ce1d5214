import type { BucketTake, KeyValueStore, TokenBucket } from './kv.js';

/** The key-value store in one process's memory: unit tests and one-shot commands (check, eval). */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, { value: string; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((k) => this.live(k)?.value);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value, expires: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async compareAndSet(key: string, expected: string | undefined, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)?.value !== expected) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const had = this.live(key) !== undefined;
    this.entries.delete(key);
    return had;
  }

  async increment(key: string, delta = 1, ttlMs?: number): Promise<number> {
    const current = this.live(key);
    const next = Number(current?.value ?? 0) + delta;
    this.entries.set(key, { value: String(next), expires: current?.expires ?? this.expiry(ttlMs) });
    return next;
  }

  async take(key: string, bucket: TokenBucket, nowMs: number, cost = 1): Promise<BucketTake> {
    const state = this.live(key);
    const [tokens, at] = state ? (JSON.parse(state.value) as [number, number]) : [bucket.burst, nowMs];
    const refilled = Math.min(bucket.burst, tokens + (Math.max(0, nowMs - at) / 1000) * bucket.ratePerSecond);
    const allowed = refilled >= cost;
    const remaining = allowed ? refilled - cost : refilled;
    const fullInMs = ((bucket.burst - remaining) / bucket.ratePerSecond) * 1000;
    this.entries.set(key, { value: JSON.stringify([remaining, nowMs]), expires: this.expiry(Math.ceil(fullInMs) + 1000) });
    return { allowed, remaining: Math.floor(remaining), retryAfterMs: allowed ? 0 : Math.ceil(((cost - refilled) / bucket.ratePerSecond) * 1000) };
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private live(key: string) {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private expiry(ttlMs: number | undefined): number {
    return ttlMs === undefined ? Infinity : this.now() + ttlMs;
  }
}
