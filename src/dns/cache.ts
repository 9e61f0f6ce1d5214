// A bounded cache of DNS outcomes with expiry times from the injected clock: the least recently
// used entry goes first when it is full. Size 0 keeps nothing.

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

interface Entry {
  expires: number;
  outcome: Outcome<unknown>;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly size: number) {}

  get(key: string, now: number): Outcome<unknown> | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-inserted so the Map's order is the order of use.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.outcome;
  }

  set(key: string, outcome: Outcome<unknown>, expires: number): void {
    if (this.size === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { expires, outcome });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }

  get length(): number {
    return this.entries.size;
  }
}
