import { learnId } from '../bayes/identity.js';
import { tokenize } from '../bayes/tokenize.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { readMessages } from '../mailbox/read.js';
import { messageFromRaw } from '../message/parse.js';
import { openStores, type Stores } from '../store/open.js';
import { StoreUnavailableError } from '../store/redis-client.js';
import { BUSY_TIMEOUT_MS, StoreOpenError } from '../store/sqlite-file.js';
import type { Label, TokenStore } from '../store/tokens.js';
import { Progress } from './progress.js';
import { withStoreOption } from './store-option.js';

export interface LearnOptions {
  spam?: string[];
  ham?: string[];
  forget?: boolean;
  dataDir?: string;
  config?: string;
  /** Overrides the config's `store` (sqlite or a redis:// URL). */
  store?: string;
}

/**
 * Exit code when the store could not be written (locked by another writer past busy_timeout,
 * Redis away): EX_TEMPFAIL, try again later. The batches committed before stay learned.
 */
export const EXIT_STORE_BUSY = 75;

/**
 * Messages learned per transaction: one commit per batch instead of per message makes
 * learning a corpus take seconds, and a batch still commits often enough that an interrupted
 * run keeps most of its work. On the development corpus 2,000 was 4 % faster than 500 but
 * peaked at 400 MB instead of 260 MB.
 */
const BATCH_MESSAGES = 500;

interface Tally {
  learned: number;
  unchanged: number;
  relearned: number;
  forgotten: number;
  notLearned: number;
  unreadable: number;
}

interface Item {
  id: string;
  tokens: string[];
  label: Label;
}

/**
 * `thresher learn`: learns (or with `forget`, unlearns) the messages under the spam and ham
 * paths into the token store (the data directory's, or Redis). Exit 1 if some message could
 * not be read, EXIT_STORE_BUSY if the store could not be written.
 */
export async function learn(opts: LearnOptions): Promise<number> {
  const sources: [Label, string[]][] = [['spam', opts.spam ?? []], ['ham', opts.ham ?? []]];
  if (sources.every(([, paths]) => paths.length === 0)) throw new ConfigError('learn: give --spam and/or --ham paths');
  const config = withStoreOption(await loadConfig(opts.config), opts.store);
  let stores: Stores;
  try {
    stores = await openStores(config, { create: true, tokensEvenIfOff: true, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) });
  } catch (err) {
    if (err instanceof StoreOpenError) throw new ConfigError(`cannot open the token store: ${err.message}`);
    throw err;
  }
  try {
    return await learnInto(stores.tokens!, stores.tokensAt, sources, opts, config);
  } catch (err) {
    if (!isStoreBusy(err)) throw err;
    const cause = err instanceof StoreUnavailableError ? err.message : `${stores.tokensAt}: another process holds the write lock (waited ${BUSY_TIMEOUT_MS / 1000} s)`;
    process.stderr.write(`thresher learn: ${cause}; the batches learned before are kept, try again\n`);
    return EXIT_STORE_BUSY;
  } finally {
    await stores.close();
  }
}

/** A write the store could not take now: SQLite's lock held past busy_timeout, or Redis away. */
function isStoreBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return err instanceof StoreUnavailableError || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

async function learnInto(store: TokenStore, where: string, sources: [Label, string[]][], opts: LearnOptions, config: Awaited<ReturnType<typeof loadConfig>>): Promise<number> {
  const limits = { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers };
  const tally: Tally = { learned: 0, unchanged: 0, relearned: 0, forgotten: 0, notLearned: 0, unreadable: 0 };
  const progress = new Progress(opts.forget ? 'forgot' : 'learned');
  let seen = 0;
  const flush = async (batch: Item[]) => {
    if (opts.forget) {
      for (const forgotten of await store.forgetMany(batch.map((item) => item.id))) {
        if (forgotten) tally.forgotten++;
        else tally.notLearned++;
      }
    } else {
      for (const outcome of await store.learnMany(batch)) tally[outcome]++;
    }
    batch.length = 0;
  };
  const batch: Item[] = [];
  const onProblem = (path: string, reason: string) => {
    tally.unreadable++;
    progress.done();
    process.stderr.write(`${path}: ${reason}\n`);
  };
  for (const [label, paths] of sources) {
    if (paths.length === 0) continue;
    for await (const { raw } of readMessages(paths, { onProblem })) {
      const message = messageFromRaw(raw, limits);
      batch.push({ id: learnId(message), tokens: opts.forget ? [] : tokenize(message), label });
      if (batch.length >= BATCH_MESSAGES) await flush(batch);
      progress.tick(++seen);
    }
  }
  await flush(batch);
  progress.done();
  const totals = await store.totals();
  const rate = Math.round(seen / Math.max(progress.seconds, 0.001));
  const counts = opts.forget
    ? `forgotten ${tally.forgotten}, not learned before ${tally.notLearned}`
    : `learned ${tally.learned}, unchanged ${tally.unchanged}, relearned ${tally.relearned}`;
  process.stdout.write(
    `${seen} messages in ${progress.seconds.toFixed(1)} s (${rate}/s): ${counts}, unreadable ${tally.unreadable}\n`
    + `store ${where}: ${totals.spam} spam, ${totals.ham} ham, ${await store.tokenCount()} tokens\n`,
  );
  return tally.unreadable > 0 ? 1 : 0;
}
