import { learnId } from '../bayes/identity.js';
import { tokenize } from '../bayes/tokenize.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { listFiles, readMessages } from '../mailbox/read.js';
import { looksLikeMessage } from '../message/looks-like-message.js';
import { messageFromRaw } from '../message/parse.js';
import { openStores, type Stores } from '../store/open.js';
import { StoreUnavailableError } from '../store/redis-client.js';
import { BUSY_TIMEOUT_MS, StoreOpenError } from '../store/sqlite-file.js';
import type { Label, TokenStore } from '../store/tokens.js';
import { plural } from './plural.js';
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
  /** Files or mbox entries without a header block (empty, binary, plain text): skipped. */
  notMessage: number;
}

interface Item {
  id: string;
  tokens: string[];
  label: Label;
}

/**
 * `thresher learn`: learns (or with `forget`, unlearns) the messages under the spam and ham
 * paths into the token store (the data directory's, or Redis). Exit 1 if some input could
 * not be read or is not a message, or if there was nothing to learn; EXIT_STORE_BUSY if the
 * store could not be written.
 */
export async function learn(opts: LearnOptions): Promise<number> {
  const sources: [Label, string[]][] = [['spam', opts.spam ?? []], ['ham', opts.ham ?? []]];
  if (sources.every(([, paths]) => paths.length === 0)) throw new ConfigError('learn: give --spam and/or --ham paths');
  const config = withStoreOption(await loadConfig(opts.config), opts.store);
  // Listing the files first costs a directory walk and no reads (0.14 to 0.22 s for the 6,730
  // corpus files against 23 s to learn them); it gives the progress line a total and an
  // empty folder its answer before a store is created for nothing. Messages inside an mbox
  // are not counted ahead: that is a second read of every byte (0.1 s for a 57 MB mbox in
  // the page cache, a full disk read before learning starts for a cold one), so an mbox
  // counts as one file of the total.
  const allPaths = sources.flatMap(([, paths]) => paths);
  const { files, problems } = countFiles(allPaths);
  if (files === 0) {
    for (const problem of problems) process.stderr.write(`${problem}\n`);
    process.stderr.write(`thresher learn: no messages found in ${allPaths.join(', ')}\n`);
    return 1;
  }
  let stores: Stores;
  try {
    stores = await openStores(config, { create: true, tokensEvenIfOff: true, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) });
  } catch (err) {
    if (err instanceof StoreOpenError) throw new ConfigError(`cannot open the token store: ${err.message}`);
    throw err;
  }
  try {
    return await learnInto(stores.tokens!, stores.tokensAt, sources, files, opts, config);
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

/** The files the paths hold, and why a path could not be listed (learning reports it again). */
function countFiles(paths: string[]): { files: number; problems: string[] } {
  const problems: string[] = [];
  let files = 0;
  for (const _file of listFiles(paths, (path, reason) => problems.push(`${path}: ${reason}`))) files++;
  return { files, problems };
}

async function learnInto(store: TokenStore, where: string, sources: [Label, string[]][], files: number, opts: LearnOptions, config: Awaited<ReturnType<typeof loadConfig>>): Promise<number> {
  const limits = { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers };
  const tally: Tally = { learned: 0, unchanged: 0, relearned: 0, forgotten: 0, notLearned: 0, unreadable: 0, notMessage: 0 };
  const progress = new Progress(opts.forget ? 'forgot' : 'learned');
  let seen = 0;
  const filesDone = { done: 0, total: files };
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
  const say = (path: string, reason: string) => {
    progress.done();
    process.stderr.write(`${path}: ${reason}\n`);
  };
  const onProblem = (path: string, reason: string) => {
    tally.unreadable++;
    say(path, reason);
  };
  const onFileDone = () => {
    filesDone.done++;
  };
  for (const [label, paths] of sources) {
    if (paths.length === 0) continue;
    for await (const { path, raw } of readMessages(paths, { onProblem, onFileDone })) {
      const shape = looksLikeMessage(raw);
      if (!shape.ok) {
        tally.notMessage++;
        say(path, `${shape.reason}; skipped`);
        continue;
      }
      const message = messageFromRaw(raw, limits);
      batch.push({ id: learnId(message), tokens: opts.forget ? [] : tokenize(message), label });
      if (batch.length >= BATCH_MESSAGES) await flush(batch);
      progress.tick(++seen, filesDone);
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
    `${plural(seen, 'message')} in ${progress.seconds.toFixed(1)} s (${rate}/s): ${counts}, unreadable ${tally.unreadable}, not a message ${tally.notMessage}\n`
    + `store ${where}: ${totals.spam} spam, ${totals.ham} ham, ${plural(await store.tokenCount(), 'token')}\n`,
  );
  if (seen === 0) process.stderr.write('thresher learn: no messages found, nothing learned\n');
  return seen === 0 || tally.unreadable > 0 || tally.notMessage > 0 ? 1 : 0;
}
