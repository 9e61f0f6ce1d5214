import type { Redis } from 'ioredis';
import { checkBucket } from './bucket.js';
import { checkDelta, ttlOf } from './kv-args.js';
import type { BucketTake, KeyValueStore, TokenBucket } from './kv.js';
import { COMPARE_AND_SET, INCREMENT, TAKE } from './redis-kv-scripts.js';
import { closeClient, connectRedis, guarded, redactedUrl, type RedisSettings } from './redis-client.js';

// The key-value store on Redis, shared by every instance pointed at it. Keys are
// `<prefix>kv:<key>`; TTLs are Redis's own (PX), so Redis expires keys by its clock.

interface KvScripts {
  thresherKvCas(key: string, expectedPresent: string, expected: string, value: string, ttl: string): Promise<number>;
  thresherKvIncrement(key: string, delta: number, ttl: string): Promise<number>;
  thresherKvTake(key: string, burst: number, rate: number, now: number, cost: number): Promise<[number, number, number]>;
}

export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  private readonly server: string;
  private readonly prefix: string;

  private constructor(
    private readonly client: Redis & KvScripts,
    settings: RedisSettings,
  ) {
    this.server = redactedUrl(settings.url);
    this.prefix = `${settings.keyPrefix}kv:`;
  }

  /** Connects (see connectRedis); throws StoreOpenError naming the server when Redis does not answer. */
  static async open(settings: RedisSettings): Promise<RedisKeyValueStore> {
    const client = await connectRedis(settings);
    client.defineCommand('thresherKvCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    client.defineCommand('thresherKvIncrement', { numberOfKeys: 1, lua: INCREMENT });
    client.defineCommand('thresherKvTake', { numberOfKeys: 1, lua: TAKE });
    return new RedisKeyValueStore(client as Redis & KvScripts, settings);
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.call(() => this.client.get(this.prefix + key))) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.call(() => this.client.mget(keys.map((k) => this.prefix + k)));
    return values.map((v) => v ?? undefined);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const ttl = ttlOf(ttlMs);
    await this.call(() => (ttl === undefined ? this.client.set(this.prefix + key, value) : this.client.set(this.prefix + key, value, 'PX', ttl)));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const ttl = ttlOf(ttlMs);
    const reply = await this.call(() =>
      ttl === undefined ? this.client.set(this.prefix + key, value, 'NX') : this.client.set(this.prefix + key, value, 'PX', ttl, 'NX'),
    );
    return reply === 'OK';
  }

  async compareAndSet(key: string, expected: string | undefined, value: string, ttlMs?: number): Promise<boolean> {
    const ttl = ttlOf(ttlMs);
    const written = await this.call(() =>
      this.client.thresherKvCas(this.prefix + key, expected === undefined ? '0' : '1', expected ?? '', value, ttl === undefined ? '' : String(ttl)),
    );
    return written === 1;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.call(() => this.client.del(this.prefix + key))) > 0;
  }

  async increment(key: string, delta = 1, ttlMs?: number): Promise<number> {
    checkDelta(delta);
    const ttl = ttlOf(ttlMs);
    try {
      return await this.call(() => this.client.thresherKvIncrement(this.prefix + key, delta, ttl === undefined ? '' : String(ttl)));
    } catch (err) {
      // The same answer as the other stores for a value that is not a counter.
      if (/not an integer/.test((err as Error).message)) throw new TypeError(`increment ${key}: value is not an integer`);
      throw err;
    }
  }

  async take(key: string, bucket: TokenBucket, nowMs: number, cost = 1): Promise<BucketTake> {
    checkBucket(bucket, cost);
    const [allowed, remaining, retryAfterMs] = await this.call(() =>
      this.client.thresherKvTake(this.prefix + key, bucket.burst, bucket.ratePerSecond, nowMs, cost),
    );
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async close(): Promise<void> {
    await closeClient(this.client);
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return guarded(this.server, fn);
  }
}
