// The small async state store shared by checks (greylisting, rate limits, reputation) and by
// every instance that points at the same backend. Implementations: SqliteKeyValueStore (the
// embedded default, state.sqlite in the data directory), RedisKeyValueStore (shared by a fleet)
// and MemoryKeyValueStore (unit tests of single modules, and `thresher check`, which never
// creates state).

export interface TokenBucket {
  /** Most tokens the bucket holds, and what a new (or long idle) bucket starts with. */
  burst: number;
  /** Tokens added back per second; above zero. */
  ratePerSecond: number;
}

export interface BucketTake {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** When refused: how long until `cost` tokens are there; 0 when allowed. */
  retryAfterMs: number;
}

export type StoreKind = 'sqlite' | 'redis' | 'memory';

/**
 * Keys are plain strings; the store adds its own prefix. Values are strings. A `ttlMs` makes
 * the key expire that long after the write; without it a write keeps the key forever (a
 * previous TTL is dropped). Expired keys read as absent.
 */
export interface KeyValueStore {
  readonly kind: StoreKind;
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Writes only when the key is absent; true when it wrote. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Writes only when the current value is `expected` (undefined: absent); true when it wrote. */
  compareAndSet(key: string, expected: string | undefined, value: string, ttlMs?: number): Promise<boolean>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  /** Atomically adds delta (an integer; an absent key counts as 0) and returns the new value; ttlMs applies when the key is created. */
  increment(key: string, delta?: number, ttlMs?: number): Promise<number>;
  /** Atomic token bucket: refills by the time elapsed (nowMs from the injected clock, so tests drive time), then takes `cost` if it can. */
  take(key: string, bucket: TokenBucket, nowMs: number, cost?: number): Promise<BucketTake>;
  close(): Promise<void>;
}
