import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { SqliteTokenStore, type ExpirySettings } from '../store/sqlite-tokens.js';

/** The Bayes token database inside the data directory. */
export const TOKEN_FILE = 'bayes.sqlite';

export function tokenFile(config: Readonly<Config>, dataDir: string | undefined): string {
  return join(dataDir ?? config.data_dir, TOKEN_FILE);
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

/**
 * Opens the token store of the data directory. `create`: make the directory and file if
 * missing (serve, learn); otherwise a missing file means nothing was learned and gives
 * undefined (check never creates state). Throws when the directory or file is unusable.
 */
export function openTokenFile(config: Readonly<Config>, dataDir: string | undefined, create: boolean): SqliteTokenStore | undefined {
  const file = tokenFile(config, dataDir);
  if (!create && !existsSync(file)) return undefined;
  if (create) makeDirs(dataDir ?? config.data_dir);
  // Only a writer prunes: `check` reads the store and leaves it as it found it.
  return SqliteTokenStore.open(file, { expiry: expiryOf(config), pruneOnOpen: create });
}

/**
 * The token store for the commands that score without Bayes when they must (serve, check):
 * undefined when Bayes is off or nothing was learned, and when the store is unusable, after
 * telling `onError` which file failed and why.
 */
export function openTokenFileIfUsable(
  config: Readonly<Config>,
  dataDir: string | undefined,
  create: boolean,
  onError: (file: string, message: string) => void,
): SqliteTokenStore | undefined {
  if (!config.bayes.enabled) return undefined;
  try {
    return openTokenFile(config, dataDir, create);
  } catch (err) {
    onError(tokenFile(config, dataDir), (err as Error).message);
    return undefined;
  }
}

/**
 * mkdir -p, one level at a time. Not mkdirSync's `recursive`: in Node 20 it loops forever
 * where mkdir keeps answering ENOENT (a path under /proc), and a server must not hang at start.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d, { mode: 0o750 });
}
