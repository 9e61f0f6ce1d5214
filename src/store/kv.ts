// The small async state store checks share (greylisting, rate limits, reputation): SQLite in
// the data directory on one machine, Redis for a fleet. One contract for both.

export interface TokenBucket {
  burst: number;
  ratePerSecond: number;
}

export interface BucketTake {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

/** Keys are plain strings; the store adds its own prefix. */
export interface KeyValueStore {
  readonly kind: 'sqlite' | 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  compareAndSet(key: string, expected: string | undefined, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Atomically adds delta (an absent key counts as 0) and returns the new value; ttlMs applies when the key is created. */
  increment(key: string, delta?: number, ttlMs?: number): Promise<number>;
  /** Atomic token bucket: refills by the time elapsed (nowMs from the injected clock), then takes `cost` if it can. */
  take(key: string, bucket: TokenBucket, nowMs: number, cost?: number): Promise<BucketTake>;
  close(): Promise<void>;
}
