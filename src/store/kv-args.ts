// Argument rules every key-value backend applies the same way, so a caller's mistake gets the
// same error from SQLite, Redis and memory.

/** Rejects a delta INCRBY would refuse. */
export function checkDelta(delta: number): void {
  if (!Number.isSafeInteger(delta)) throw new RangeError(`increment by ${delta}: expected an integer`);
}

/** A TTL as whole milliseconds (rounded up, so a key never expires early); undefined: none. */
export function ttlOf(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new RangeError(`ttl ${ttlMs} ms: expected a positive number`);
  return Math.ceil(ttlMs);
}

/** Parses a counter for increment; a value that is not an integer is the caller's mistake. */
export function counterValue(key: string, value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^-?\d+$/.test(value)) throw new TypeError(`increment ${key}: value is not an integer`);
  return Number(value);
}
