import { learnId } from '../bayes/identity.js';
import { tokenize } from '../bayes/tokenize.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { readMessages } from '../mailbox/read.js';
import { messageFromRaw } from '../message/parse.js';
import type { SqliteTokenStore } from '../store/sqlite-tokens.js';
import type { Label } from '../store/tokens.js';
import { Progress } from './progress.js';
import { openTokenFile, tokenFile } from './token-file.js';

export interface LearnOptions {
  spam?: string[];
  ham?: string[];
  forget?: boolean;
  dataDir?: string;
  config?: string;
}

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
 * paths into the data directory's token store. Exit 1 if some message could not be read.
 */
export async function learn(opts: LearnOptions): Promise<number> {
  const sources: [Label, string[]][] = [['spam', opts.spam ?? []], ['ham', opts.ham ?? []]];
  if (sources.every(([, paths]) => paths.length === 0)) throw new ConfigError('learn: give --spam and/or --ham paths');
  const config = await loadConfig(opts.config);
  let store: SqliteTokenStore;
  try {
    store = openTokenFile(config, opts.dataDir, true)!;
  } catch (err) {
    throw new ConfigError(`${tokenFile(config, opts.dataDir)}: cannot open the token store: ${(err as Error).message}`);
  }
  const limits = { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers };
  const tally: Tally = { learned: 0, unchanged: 0, relearned: 0, forgotten: 0, notLearned: 0, unreadable: 0 };
  const progress = new Progress(opts.forget ? 'forgot' : 'learned');
  let seen = 0;
  const flush = (batch: Item[]) => {
    if (opts.forget) {
      store.batch(() => {
        for (const item of batch) {
          if (store.forget(item.id)) tally.forgotten++;
          else tally.notLearned++;
        }
      });
    } else {
      for (const outcome of store.learnMany(batch)) tally[outcome]++;
    }
    batch.length = 0;
  };
  try {
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
        if (batch.length >= BATCH_MESSAGES) flush(batch);
        progress.tick(++seen);
      }
    }
    flush(batch);
    progress.done();
    const totals = store.totals();
    const rate = Math.round(seen / Math.max(progress.seconds, 0.001));
    const counts = opts.forget
      ? `forgotten ${tally.forgotten}, not learned before ${tally.notLearned}`
      : `learned ${tally.learned}, unchanged ${tally.unchanged}, relearned ${tally.relearned}`;
    process.stdout.write(
      `${seen} messages in ${progress.seconds.toFixed(1)} s (${rate}/s): ${counts}, unreadable ${tally.unreadable}\n`
      + `store ${tokenFile(config, opts.dataDir)}: ${totals.spam} spam, ${totals.ham} ham, ${store.tokenCount()} tokens\n`,
    );
  } finally {
    store.close();
  }
  return tally.unreadable > 0 ? 1 : 0;
}
