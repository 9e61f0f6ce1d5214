import type { Redis } from 'ioredis';
import { CountsCache } from './counts-cache.js';
import { closeClient, connectRedis, guarded, redactedUrl, type RedisSettings } from './redis-client.js';
import { FORGET, LEARN } from './redis-tokens-scripts.js';
import { packHashes, tokenHash } from './token-hash.js';
import type { Label, LearnItem, LearnOutcome, TokenCounts, TokenStore } from './tokens.js';

// The Bayes token store on Redis, shared by every instance pointed at it. The same 48-bit token
// hashes as the SQLite store, so both give the same counts for the same learning. Keys, under
// the configured prefix:
//   bayes:t:<bucket>    hash: `<field>s`, `<field>h` -> spam and ham counts of one token; bucket
//                       is the token hash's top 16 bits, so 65,536 small hashes that Redis keeps
//                       in its compact listpack encoding (about 25 bytes a token, a third of a
//                       key per token), looked up with one pipelined HMGET per bucket touched
//   bayes:learned:<id>  `<s|h><packed hashes>`: the label and tokens of a learned message, kept
//                       keep_learned_days (Redis expires it)
//   bayes:totals        hash: s, h -> learned messages per class
//   bayes:version       bumped by every learn and forget: tells the counts cache of every
//                       instance that its counts may be stale
//   bayes:tokens        the number of distinct tokens, kept by the scripts
// Token expiry by age or count (max_tokens, max_age_days) is the SQLite store's; on Redis the
// admin bounds memory with maxmemory.

const LOW_BITS = 2 ** 32;
/**
 * Messages learned per pipeline. Redis runs the scripts one after another and each command's
 * time limit runs from when it was sent, so a pipeline must finish well within timeout_ms: a
 * message's script takes about a millisecond (1,000 tokens), and 100 timed out at 500 ms on a
 * loaded machine.
 */
const PIPELINE_MESSAGES = 20;
const DAY_MS = 86_400_000;
const LEARNED: Record<number, LearnOutcome> = { 0: 'unchanged', 1: 'learned', 2: 'relearned' };

interface TokenScripts {
  thresherBayesLearn(learned: string, totals: string, version: string, tokenCount: string, label: string, packed: Buffer, ttl: number, prefix: string): Promise<number>;
  thresherBayesForget(learned: string, totals: string, version: string, tokenCount: string, prefix: string): Promise<number>;
}

/** The bucket key suffix and field of a token hash, as the Lua scripts derive them from its bytes. */
export function tokenSlot(hash: number): { bucket: string; field: string } {
  return {
    bucket: Math.floor(hash / LOW_BITS).toString(16).padStart(4, '0'),
    field: (hash % LOW_BITS).toString(16).padStart(8, '0'),
  };
}

export interface RedisTokenStoreOptions extends RedisSettings {
  /** How long a learned message's id and tokens are kept (it can be forgotten or moved until then). */
  keepLearnedDays: number;
}

export class RedisTokenStore implements TokenStore {
  readonly kind = 'redis' as const;
  private readonly server: string;
  private readonly keys: { tokens: string; learned: string; totals: string; version: string; tokenCount: string };
  private readonly cache = new CountsCache();
  private readonly learnedTtlMs: number;

  private constructor(
    private readonly client: Redis & TokenScripts,
    opts: RedisTokenStoreOptions,
  ) {
    this.server = redactedUrl(opts.url);
    const p = `${opts.keyPrefix}bayes:`;
    this.keys = { tokens: `${p}t:`, learned: `${p}learned:`, totals: `${p}totals`, version: `${p}version`, tokenCount: `${p}tokens` };
    this.learnedTtlMs = opts.keepLearnedDays * DAY_MS;
  }

  /** Connects (see connectRedis); throws StoreOpenError naming the server when Redis does not answer. */
  static async open(opts: RedisTokenStoreOptions): Promise<RedisTokenStore> {
    const client = await connectRedis(opts);
    client.defineCommand('thresherBayesLearn', { numberOfKeys: 4, lua: LEARN });
    client.defineCommand('thresherBayesForget', { numberOfKeys: 4, lua: FORGET });
    return new RedisTokenStore(client as Redis & TokenScripts, opts);
  }

  async totals(): Promise<TokenCounts> {
    const [s, h] = await this.call(() => this.client.hmget(this.keys.totals, 's', 'h'));
    return { spam: Number(s ?? 0), ham: Number(h ?? 0) };
  }

  async counts(tokens: readonly string[]): Promise<Map<string, TokenCounts>> {
    if (this.cache.due()) this.cache.observe(await this.call(() => this.client.get(this.keys.version)));
    const out = new Map<string, TokenCounts>();
    const missing = new Map<number, string[]>();
    for (const t of tokens) {
      const h = tokenHash(t);
      const cached = this.cache.byHash.get(h);
      if (cached === undefined) {
        const same = missing.get(h);
        if (same === undefined) missing.set(h, [t]);
        else same.push(t);
      } else if (cached[0] !== 0 || cached[1] !== 0) out.set(t, { spam: cached[0], ham: cached[1] });
    }
    if (missing.size === 0) return out;
    const byBucket = new Map<string, number[]>();
    for (const h of missing.keys()) {
      const { bucket } = tokenSlot(h);
      const list = byBucket.get(bucket);
      if (list === undefined) byBucket.set(bucket, [h]);
      else list.push(h);
    }
    const buckets = [...byBucket];
    const replies = await this.call(() => {
      const pipeline = this.client.pipeline();
      for (const [bucket, hashes] of buckets) {
        const fields = hashes.flatMap((h) => {
          const { field } = tokenSlot(h);
          return [`${field}s`, `${field}h`];
        });
        pipeline.hmget(this.keys.tokens + bucket, ...fields);
      }
      return execOrThrow(pipeline.exec());
    });
    this.cache.makeRoom(missing.size);
    buckets.forEach(([, hashes], i) => {
      const values = replies[i] as (string | null)[];
      hashes.forEach((h, j) => {
        const spam = Number(values[2 * j] ?? 0);
        const ham = Number(values[2 * j + 1] ?? 0);
        this.cache.byHash.set(h, [spam, ham]);
        if (spam !== 0 || ham !== 0) for (const t of missing.get(h)!) out.set(t, { spam, ham });
      });
    });
    return out;
  }

  async learn(id: string, tokens: readonly string[], label: Label): Promise<LearnOutcome> {
    return (await this.learnMany([{ id, tokens, label }]))[0]!;
  }

  /** One Lua script per message (each atomic), PIPELINE_MESSAGES to a round trip, in order. */
  async learnMany(items: readonly LearnItem[]): Promise<LearnOutcome[]> {
    const out: LearnOutcome[] = [];
    for (let at = 0; at < items.length; at += PIPELINE_MESSAGES) {
      const chunk = items.slice(at, at + PIPELINE_MESSAGES);
      const replies = await this.call(() => {
        const pipeline = this.client.pipeline() as unknown as TokenScripts & { exec(): ReturnType<ReturnType<Redis['pipeline']>['exec']> };
        for (const item of chunk) {
          const packed = packHashes([...new Set(item.tokens.map(tokenHash))]);
          pipeline.thresherBayesLearn(this.learnedKey(item.id), this.keys.totals, this.keys.version, this.keys.tokenCount, item.label === 'spam' ? 's' : 'h', packed, this.learnedTtlMs, this.keys.tokens);
        }
        return execOrThrow(pipeline.exec());
      });
      for (const r of replies) out.push(LEARNED[r as number]!);
    }
    this.forgetCachedCounts(items.flatMap((i) => i.tokens));
    return out;
  }

  async forget(id: string): Promise<boolean> {
    return (await this.forgetMany([id]))[0]!;
  }

  async forgetMany(ids: readonly string[]): Promise<boolean[]> {
    const replies = await this.call(() => {
      const pipeline = this.client.pipeline() as unknown as TokenScripts & { exec(): ReturnType<ReturnType<Redis['pipeline']>['exec']> };
      for (const id of ids) pipeline.thresherBayesForget(this.learnedKey(id), this.keys.totals, this.keys.version, this.keys.tokenCount, this.keys.tokens);
      return execOrThrow(pipeline.exec());
    });
    // The forgotten tokens are only in Redis: start the cache afresh.
    if (replies.some((r) => r === 1)) this.cache.reset();
    return replies.map((r) => r === 1);
  }

  async tokenCount(): Promise<number> {
    return Number((await this.call(() => this.client.get(this.keys.tokenCount))) ?? 0);
  }

  async close(): Promise<void> {
    await closeClient(this.client);
  }

  private learnedKey(id: string): string {
    return this.keys.learned + id;
  }

  /** This instance's own learning changes these counts now; other instances see it through the version. */
  private forgetCachedCounts(tokens: readonly string[]): void {
    for (const t of tokens) this.cache.delete(tokenHash(t));
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return guarded(this.server, fn);
  }
}

/** A pipeline's replies; the first command error rejects the whole call. */
async function execOrThrow(result: Promise<[Error | null, unknown][] | null>): Promise<unknown[]> {
  const replies = await result;
  if (replies === null) throw new Error('pipeline discarded');
  return replies.map(([err, value]) => {
    if (err !== null) throw err;
    return value;
  });
}
