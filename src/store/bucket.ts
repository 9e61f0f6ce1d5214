import type { BucketTake, TokenBucket } from './kv.js';

// The token bucket arithmetic, shared by the memory and SQLite stores (the Redis store runs the
// same steps in Lua, redis-scripts.ts). A bucket is stored as "tokens/updatedAtMs" so every
// backend keeps the same value and `get` shows it the same way.

export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** Throws on a bucket or cost no bucket can answer: a caller's mistake, not a store state. */
export function checkBucket(bucket: TokenBucket, cost: number): void {
  if (!(bucket.burst > 0) || !Number.isFinite(bucket.burst)) throw new RangeError(`token bucket burst ${bucket.burst}: expected a positive number`);
  if (!(bucket.ratePerSecond > 0) || !Number.isFinite(bucket.ratePerSecond)) throw new RangeError(`token bucket rate ${bucket.ratePerSecond}: expected a positive number`);
  if (!(cost >= 0) || cost > bucket.burst) throw new RangeError(`token bucket cost ${cost}: expected 0 to burst (${bucket.burst})`);
}

export function parseBucket(value: string | undefined): BucketState | undefined {
  if (value === undefined) return undefined;
  const [tokens, updatedAt] = value.split('/').map(Number);
  if (!Number.isFinite(tokens) || !Number.isFinite(updatedAt)) return undefined;
  return { tokens: tokens!, updatedAt: updatedAt! };
}

export function formatBucket(s: BucketState): string {
  return `${s.tokens}/${s.updatedAt}`;
}

/**
 * Refills `state` (absent: a full bucket) for the time since its last update, then takes
 * `cost` if there is enough. A clock that went back (another host's) refills nothing. Returns
 * the new state and how long until it would be full again: past that the key can expire,
 * since an absent bucket is a full one.
 */
export function takeFrom(state: BucketState | undefined, bucket: TokenBucket, nowMs: number, cost: number): { take: BucketTake; next: BucketState; fullInMs: number } {
  const perMs = bucket.ratePerSecond / 1000;
  const last = state ?? { tokens: bucket.burst, updatedAt: nowMs };
  const elapsed = Math.max(0, nowMs - last.updatedAt);
  // Rounded to a billionth of a token: a rate such as 4 per hour is not exact in binary, and
  // without it the token due at exactly 15 minutes would be 0.9999999999999999 of one.
  let tokens = Math.min(bucket.burst, Math.round((last.tokens + elapsed * perMs) * 1e9) / 1e9);
  const allowed = tokens >= cost;
  if (allowed) tokens -= cost;
  const next = { tokens, updatedAt: Math.max(nowMs, last.updatedAt) };
  return {
    take: { allowed, remaining: Math.floor(tokens), retryAfterMs: allowed ? 0 : Math.ceil((cost - tokens) / perMs) },
    next,
    fullInMs: Math.ceil((bucket.burst - tokens) / perMs),
  };
}
