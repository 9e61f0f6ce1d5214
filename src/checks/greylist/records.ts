import type { KeyValueStore } from '../../store/kv.js';

// The greylisting state machine over the shared store, one record per key (a triplet, or a
// message in score mode):
//   absent or stale         -> "FIRST"            deferred; kept block + pass window
//   "FIRST", too early      -> unchanged          deferred until FIRST + block
//   "FIRST", in the window  -> "FIRST:NOW"        passed after NOW - FIRST; kept lifetime
//   "FIRST:LAST"            -> "FIRST:NOW"        passed again; lifetime refreshed
// Times are the injected clock's, written into the values, and every window is judged from
// them, not from the store's expiry: the TTLs only clear records no one asks about, so SQLite
// and Redis answer alike and a test drives the clock to each edge.

export interface Windows {
  blockMs: number;
  passWindowMs: number;
  lifetimeMs: number;
}

export type Outcome =
  | { kind: 'defer'; retryInMs: number }
  /** `delayMs`: this attempt passed for the first time, that long after the first one. */
  | { kind: 'pass'; delayMs?: number };

interface Record {
  first: number;
  last?: number;
}

function read(value: string | undefined): Record | undefined {
  if (value === undefined) return undefined;
  const [first, last] = value.split(':').map(Number);
  if (!Number.isFinite(first)) return undefined;
  return last === undefined || !Number.isFinite(last) ? { first: first! } : { first: first!, last };
}

/** A record that exists but no longer counts: a pending one past its window, a passed one past its lifetime. */
function stale(r: Record, now: number, w: Windows): boolean {
  if (r.last !== undefined) return now - r.last >= w.lifetimeMs;
  return now - r.first >= w.blockMs + w.passWindowMs;
}

/**
 * Judges one attempt on `key` whose current value is `value` (read by the caller, so it can
 * batch the read with others). Two writers racing on one key: the compare-and-set lets one
 * win; the loser defers (a new record) or passes (a passed one) as the winner decided.
 */
export async function attempt(store: KeyValueStore, key: string, value: string | undefined, now: number, w: Windows): Promise<Outcome> {
  const r0 = read(value);
  const r = r0 !== undefined && stale(r0, now, w) ? undefined : r0;
  if (r === undefined) {
    await store.compareAndSet(key, value, String(now), w.blockMs + w.passWindowMs);
    return { kind: 'defer', retryInMs: w.blockMs };
  }
  if (r.last !== undefined) {
    await store.set(key, `${r.first}:${now}`, w.lifetimeMs);
    return { kind: 'pass' };
  }
  const elapsed = now - r.first;
  if (elapsed < w.blockMs) return { kind: 'defer', retryInMs: w.blockMs - elapsed };
  const won = await store.compareAndSet(key, value, `${r.first}:${now}`, w.lifetimeMs);
  return won ? { kind: 'pass', delayMs: elapsed } : { kind: 'pass' };
}

/** "15m 3s": the delay as the GREYLIST_PASSED detail shows it. */
export function formatDelay(ms: number): string {
  let s = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}
