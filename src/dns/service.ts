import { DnsCache, type Outcome } from './cache.js';
import type { Answer, DnsTransport, RecordOf, RecordType } from './cares.js';
import { DnsError, type MxRecord, type Resolver, type SharedResolver } from './resolver.js';
import { ptrName } from './reverse-name.js';

// The one resolver service: answers from a TTL cache, lookups in flight shared by every asker
// (two checks asking the same name send one query), a hard time limit per query, failures
// remembered briefly, and a budget per message (forMessage). Time comes from the injected clock.

export interface DnsServiceOptions {
  transport: DnsTransport;
  clock: { now(): number };
  /** A query that has not settled by then fails with ETIMEOUT, whatever the transport does. */
  queryTimeoutMs: number;
  cache: {
    size: number;
    maxTtlSeconds: number;
    /** For answers whose TTL the transport does not report (TXT, MX, PTR through c-ares). */
    defaultTtlSeconds: number;
    /** For negative answers in zones whose SOA minimum was not learned. */
    negativeTtlSeconds: number;
    maxNegativeTtlSeconds: number;
    failureTtlSeconds: number;
  };
  budget: { queries: number; ms: number };
}

/** Counts since start, for metrics and the cache hit rate. */
export interface DnsStats {
  /** Every lookup asked of the service. */
  lookups: number;
  /** Answered from the cache (positive, negative or a remembered failure). */
  cacheHits: number;
  /** Joined a query already in flight. */
  joined: number;
  /** Sent to a server. */
  queries: number;
  failures: number;
  overBudget: number;
}

/** One message's DNS: how many queries it sent, from when. */
class Budget {
  queries = 0;
  private started: number | undefined;

  constructor(private readonly limit: { queries: number; ms: number }) {}

  /** Throws when this message may send no more queries. */
  charge(now: number, what: string): void {
    this.started ??= now;
    if (this.queries >= this.limit.queries) throw new DnsError('EBUDGET', `${what}: DNS budget spent (${this.limit.queries} queries)`);
    if (now - this.started > this.limit.ms) throw new DnsError('EBUDGET', `${what}: DNS budget spent (${this.limit.ms} ms)`);
    this.queries++;
  }
}

export class DnsService implements SharedResolver {
  readonly stats: DnsStats = { lookups: 0, cacheHits: 0, joined: 0, queries: 0, failures: 0, overBudget: 0 };
  private readonly cache: DnsCache;
  private readonly inFlight = new Map<string, Promise<unknown[]>>();
  /** Negative-caching TTL (seconds) by zone, from the zone's SOA minimum. */
  private readonly zoneNegativeTtl = new Map<string, number>();

  constructor(private readonly o: DnsServiceOptions) {
    this.cache = new DnsCache(o.cache.size);
  }

  a(name: string): Promise<string[]> {
    return this.lookup('A', name);
  }

  aaaa(name: string): Promise<string[]> {
    return this.lookup('AAAA', name);
  }

  txt(name: string): Promise<string[]> {
    return this.lookup('TXT', name);
  }

  mx(name: string): Promise<MxRecord[]> {
    return this.lookup('MX', name);
  }

  ptr(address: string): Promise<string[]> {
    return this.lookup('PTR', address);
  }

  forMessage(): Resolver {
    const budget = new Budget(this.o.budget);
    return {
      a: (n) => this.lookup('A', n, budget),
      aaaa: (n) => this.lookup('AAAA', n, budget),
      txt: (n) => this.lookup('TXT', n, budget),
      mx: (n) => this.lookup('MX', n, budget),
      ptr: (n) => this.lookup('PTR', n, budget),
    };
  }

  /**
   * Reads a zone's SOA minimum so negative answers below it are kept that long (capped): the
   * transport does not report the SOA of a negative answer. DNS lists call this from their probe.
   */
  async learnNegativeTtl(zone: string): Promise<number | undefined> {
    const minimum = await this.o.transport.soaMinimum(zone);
    if (minimum === undefined) return undefined;
    const ttl = Math.min(minimum, this.o.cache.maxNegativeTtlSeconds);
    this.zoneNegativeTtl.set(normalise(zone), ttl);
    return ttl;
  }

  lookup<T extends RecordType>(type: T, rawName: string, budget?: Budget): Promise<RecordOf[T][]> {
    this.stats.lookups++;
    // An address has many spellings; its reversed name has one (and is what is asked).
    const name = type === 'PTR' ? ptrName(rawName) : normalise(rawName);
    if (name === undefined) return Promise.reject(new DnsError('EINVAL', `PTR ${rawName}: not an IP address`));
    const key = `${type} ${name}`;
    const now = this.o.clock.now();
    const cached = this.cache.get(key, now) as Outcome<RecordOf[T][]> | undefined;
    if (cached !== undefined) {
      this.stats.cacheHits++;
      return cached.ok ? Promise.resolve(cached.value) : Promise.reject(cached.error);
    }
    const pending = this.inFlight.get(key) as Promise<RecordOf[T][]> | undefined;
    if (pending !== undefined) {
      this.stats.joined++;
      return pending;
    }
    try {
      budget?.charge(now, key);
    } catch (err) {
      this.stats.overBudget++;
      return Promise.reject(err);
    }
    this.stats.queries++;
    const query = this.query(type, name, key);
    this.inFlight.set(key, query);
    return query;
  }

  private async query<T extends RecordType>(type: T, name: string, key: string): Promise<RecordOf[T][]> {
    try {
      const answer = await withTimeLimit(this.o.transport.query(type, name), this.o.queryTimeoutMs, key);
      const records = Object.freeze(answer.records) as RecordOf[T][];
      this.cache.set(key, { ok: true, value: records }, this.o.clock.now() + this.ttlOf(answer, name) * 1000);
      return records;
    } catch (err) {
      this.stats.failures++;
      const error = err instanceof DnsError ? err : new DnsError('EUNKNOWN', `${key}: ${(err as Error).message}`);
      this.cache.set(key, { ok: false, error }, this.o.clock.now() + this.o.cache.failureTtlSeconds * 1000);
      throw error;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private ttlOf(answer: Answer<unknown>, name: string): number {
    const c = this.o.cache;
    if (answer.negative) return Math.min(this.zoneTtl(name) ?? c.negativeTtlSeconds, c.maxNegativeTtlSeconds);
    return Math.min(answer.ttl ?? c.defaultTtlSeconds, c.maxTtlSeconds);
  }

  /** The learned negative TTL of the closest enclosing zone. */
  private zoneTtl(name: string): number | undefined {
    if (this.zoneNegativeTtl.size === 0) return undefined;
    for (let at = 0; at !== -1; at = name.indexOf('.', at + 1)) {
      const ttl = this.zoneNegativeTtl.get(at === 0 ? name : name.slice(at + 1));
      if (ttl !== undefined) return ttl;
    }
    return undefined;
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function withTimeLimit<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DnsError('ETIMEOUT', `${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
