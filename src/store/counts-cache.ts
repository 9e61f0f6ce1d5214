// Token counts cached in memory per process, for the SQLite and Redis token stores. Mail
// repeats its common words, so most lookups hit: on the development corpus the cache halved
// the time of SQLite's counts(), and it saves Redis a round trip's worth of fields per message.

/**
 * Entries kept. Bounded: when full it is emptied and refills with what current mail uses.
 */
const COUNTS_CACHE_ENTRIES = 200_000;
/**
 * How often the cache asks the store whether another connection wrote (SQLite's
 * data_version, Redis's version key): asking costs more than the cache saves on a small
 * message, and counts a second old are as good as current ones for a statistic.
 */
const CACHE_CHECK_MS = 1000;

export type Counts = readonly [spam: number, ham: number];

export class CountsCache {
  /**
   * Counts by hash; [0, 0] for a token the store does not hold. Public so a store's lookup
   * loop reads the Map itself: through get()/set() wrappers the lookups of the check benchmark
   * (`node --cpu-prof dist/bench/check.js`) took 6.9 s, reading the Map directly 5.6 s.
   */
  readonly byHash = new Map<number, Counts>();
  private version: unknown = Symbol('never');
  private checkedAt = -Infinity;

  /** True when it is time to ask the store for its version (then call `observe`). */
  due(): boolean {
    const now = performance.now();
    if (now - this.checkedAt < CACHE_CHECK_MS) return false;
    this.checkedAt = now;
    return true;
  }

  /** Forgets everything when the store's version changed since the last look. */
  observe(version: unknown): void {
    if (version === this.version) return;
    this.byHash.clear();
    this.version = version;
  }

  delete(hash: number): void {
    this.byHash.delete(hash);
  }

  /** Empties the cache if `incoming` more entries would overfill it. */
  makeRoom(incoming: number): void {
    if (this.byHash.size + incoming > COUNTS_CACHE_ENTRIES) this.byHash.clear();
  }

  /** Forgets everything (a reopened file); the next lookup asks the store again. */
  reset(): void {
    this.byHash.clear();
    this.version = Symbol('never');
    this.checkedAt = -Infinity;
  }
}
