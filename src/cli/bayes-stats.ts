import { statSync } from 'node:fs';
import { bayesStatus } from '../checks/bayes.js';
import { loadConfig } from '../config/load.js';
import { openStores, type Stores } from '../store/open.js';
import { StoreUnavailableError } from '../store/redis-client.js';
import { SqliteTokenStore } from '../store/sqlite-tokens.js';
import { StoreOpenError } from '../store/sqlite-file.js';
import { plural } from './plural.js';
import { withStoreOption } from './store-option.js';

// `thresher bayes stats`: what the Bayes store holds and whether it votes yet, as
// SpamAssassin's `sa-learn --dump magic` and `rspamc stat` tell. Read-only: it opens the
// store as `check` does and never creates one.

export interface BayesStatsOptions {
  dataDir?: string;
  config?: string;
  store?: string;
  json?: boolean;
}

export interface BayesStats {
  /** The token file, or the Redis URL without its password. */
  store: string;
  kind: 'sqlite' | 'redis';
  spam: number;
  ham: number;
  tokens: number;
  /** Dates (YYYY-MM-DD, UTC) of the oldest and newest learn kept; null where the store keeps none (Redis). */
  oldestLearn: string | null;
  newestLearn: string | null;
  /** Bytes on disk (the file and its WAL); null on Redis, whose memory per prefix has no cheap answer. */
  bytes: number | null;
  /** bayesStatus: off, voting, or learning and what is missing. */
  bayes: string;
}

const DAY_MS = 86_400_000;

/** Exit 0 with the statistics (or "nothing learned yet"); 1 when the store cannot be read. */
export async function bayesStats(opts: BayesStatsOptions): Promise<number> {
  const config = withStoreOption(await loadConfig(opts.config), opts.store);
  let stores: Stores;
  try {
    stores = await openStores(config, { create: false, tokensEvenIfOff: true, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) });
  } catch (err) {
    if (!(err instanceof StoreOpenError || err instanceof StoreUnavailableError)) throw err;
    process.stderr.write(`thresher bayes stats: ${err.message}\n`);
    return 1;
  }
  try {
    const stats = await collect(stores, config.store === 'sqlite' ? 'sqlite' : 'redis', config.bayes);
    process.stdout.write(opts.json ? `${JSON.stringify(stats)}\n` : render(stats));
    return 0;
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err;
    process.stderr.write(`thresher bayes stats: ${err.message}\n`);
    return 1;
  } finally {
    await stores.close();
  }
}

async function collect(stores: Stores, kind: BayesStats['kind'], settings: Parameters<typeof bayesStatus>[0]): Promise<BayesStats | { store: string; kind: BayesStats['kind']; nothingLearned: true }> {
  const tokens = stores.tokens;
  if (tokens === undefined) return { store: stores.tokensAt, kind, nothingLearned: true };
  const totals = await tokens.totals();
  const tokenCount = await tokens.tokenCount();
  if (totals.spam === 0 && totals.ham === 0 && tokenCount === 0) return { store: stores.tokensAt, kind, nothingLearned: true };
  const days = tokens instanceof SqliteTokenStore ? tokens.learnedDays() : undefined;
  return {
    store: stores.tokensAt,
    kind,
    spam: totals.spam,
    ham: totals.ham,
    tokens: tokenCount,
    oldestLearn: days ? dateOf(days.oldest) : null,
    newestLearn: days ? dateOf(days.newest) : null,
    bytes: kind === 'sqlite' ? fileBytes(stores.tokensAt) + fileBytes(`${stores.tokensAt}-wal`) : null,
    bayes: settings.enabled ? await bayesStatus(settings, tokens) : 'off (bayes.enabled is false: check and serve do not use it)',
  };
}

function render(stats: Awaited<ReturnType<typeof collect>>): string {
  if ('nothingLearned' in stats) return `nothing learned yet at ${stats.store}\n`;
  const learns = stats.oldestLearn === null
    ? stats.kind === 'redis' ? 'not kept by the Redis store' : 'none kept (older than bayes.expiry.keep_learned_days)'
    : `oldest ${stats.oldestLearn}, newest ${stats.newestLearn} (UTC; learned ids are kept bayes.expiry.keep_learned_days)`;
  return [
    `store     ${stats.store} (${stats.kind})`,
    `learned   ${plural(stats.spam, 'spam message')}, ${plural(stats.ham, 'ham message')}`,
    `tokens    ${stats.tokens}`,
    `learns    ${learns}`,
    `size      ${stats.bytes === null ? 'not measured on Redis' : `${stats.bytes} bytes (file and WAL)`}`,
    `bayes     ${stats.bayes}`,
    '',
  ].join('\n');
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
