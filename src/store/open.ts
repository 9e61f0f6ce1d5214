import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { KeyValueStore } from './kv.js';
import { MemoryKeyValueStore } from './memory-kv.js';
import { redactedUrl, type RedisSettings } from './redis-client.js';
import { RedisKeyValueStore } from './redis-kv.js';
import { RedisTokenStore } from './redis-tokens.js';
import { SqliteKeyValueStore, STATE_FILE } from './sqlite-kv.js';
import { SqliteTokenStore, type ExpirySettings } from './sqlite-tokens.js';
import type { TokenStore } from './tokens.js';

// The stores of one process from the config: `store: sqlite` (files in the data directory) or
// `store: redis://...` (shared). One place, so serve, check, learn and the benchmark open them
// alike.

/** The Bayes token database inside the data directory. */
export const TOKEN_FILE = 'bayes.sqlite';
/** How often a server looks whether its SQLite files were deleted or replaced under it. */
export const REPLACED_CHECK_MS = 30_000;

export interface Stores {
  kv: KeyValueStore;
  /** Undefined when Bayes is off, or (for a reader) when nothing was learned yet. */
  tokens: TokenStore | undefined;
  /** Where the tokens live, for messages: the file, or the Redis URL without its password. */
  tokensAt: string;
  /** Reopens SQLite files deleted or replaced under the running process (logged); nothing on Redis. */
  reopenIfReplaced(): void;
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  /** The data directory; default the config's data_dir. */
  dataDir?: string;
  /**
   * A writer (serve, learn) creates the directory and files and prunes; a reader (check)
   * creates nothing: a missing token file means nothing learned, a missing state file an
   * empty in-memory state.
   */
  create: boolean;
  log?: Pick<Logger, 'warn' | 'info' | 'error'>;
  /** Open the token store even when bayes.enabled is false (learn: train before enabling). */
  tokensEvenIfOff?: boolean;
  /** Check every this many ms whether a SQLite file was replaced (serve); the timer does not keep the process alive. */
  watchEveryMs?: number;
}

export function expiryOf(config: Readonly<Config>): ExpirySettings {
  const e = config.bayes.expiry;
  return {
    maxTokens: e.max_tokens,
    maxAgeDays: e.max_age_days,
    rareCount: e.rare_count,
    keepLearnedDays: e.keep_learned_days,
    pruneEveryLearns: e.prune_every_learns,
  };
}

/** Opens the stores; throws StoreOpenError (one line naming the file or server and the cause). */
export async function openStores(config: Readonly<Config>, opts: OpenStoresOptions): Promise<Stores> {
  return config.store === 'sqlite' ? openSqlite(config, opts) : openRedis(config, opts);
}

function openSqlite(config: Readonly<Config>, opts: OpenStoresOptions): Stores {
  const dir = opts.dataDir ?? config.data_dir;
  const tokenFile = join(dir, TOKEN_FILE);
  const stateFile = join(dir, STATE_FILE);
  const log = opts.log;
  const kv = opts.create || existsSync(stateFile) ? SqliteKeyValueStore.open(stateFile, { create: opts.create, ...(log ? { log } : {}) }) : new MemoryKeyValueStore();
  let tokens: SqliteTokenStore | undefined;
  try {
    if ((config.bayes.enabled || opts.tokensEvenIfOff === true) && (opts.create || existsSync(tokenFile))) {
      // Only a writer prunes: `check` reads the store and leaves it as it found it.
      tokens = SqliteTokenStore.open(tokenFile, { expiry: expiryOf(config), pruneOnOpen: opts.create, create: opts.create, ...(log ? { log } : {}) });
    }
  } catch (err) {
    void kv.close();
    throw err;
  }
  const reopenIfReplaced = () => {
    for (const store of [kv, tokens]) {
      if (!(store instanceof SqliteKeyValueStore || store instanceof SqliteTokenStore)) continue;
      try {
        store.reopenIfReplaced();
      } catch (err) {
        log?.error({ file: store.file, err: (err as Error).message }, 'cannot reopen the store file; still using the one opened before');
      }
    }
  };
  const timer = opts.watchEveryMs === undefined ? undefined : setInterval(reopenIfReplaced, opts.watchEveryMs).unref();
  return {
    kv,
    tokens,
    tokensAt: tokenFile,
    reopenIfReplaced,
    close: async () => {
      clearInterval(timer);
      await kv.close();
      await tokens?.close();
    },
  };
}

async function openRedis(config: Readonly<Config>, opts: OpenStoresOptions): Promise<Stores> {
  const settings: RedisSettings = { url: config.store, keyPrefix: config.redis.key_prefix, timeoutMs: config.redis.timeout_ms, ...(opts.log ? { log: opts.log } : {}) };
  const kv = await RedisKeyValueStore.open(settings);
  let tokens: RedisTokenStore | undefined;
  try {
    if (config.bayes.enabled || opts.tokensEvenIfOff === true) tokens = await RedisTokenStore.open({ ...settings, keepLearnedDays: config.bayes.expiry.keep_learned_days });
  } catch (err) {
    await kv.close();
    throw err;
  }
  return {
    kv,
    tokens,
    tokensAt: redactedUrl(config.store),
    reopenIfReplaced: () => {},
    close: async () => {
      await kv.close();
      await tokens?.close();
    },
  };
}
