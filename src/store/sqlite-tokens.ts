import Database from 'better-sqlite3';
import { packHashes, tokenHash, unpackHashes } from './token-hash.js';
import type { Label, TokenCounts, TokenStore } from './tokens.js';

// The embedded token store: one SQLite file in the data directory. Tokens are 48-bit hashes
// (token-hash.ts) used as the table's rowid, so a lookup is one b-tree search with no separate
// index. Each learned message keeps its label and packed token list, which is what makes
// learning idempotent and lets a message be forgotten or moved to the other class.

export interface ExpirySettings {
  /** Most tokens kept; above it the least recently learned go, rare ones first. */
  maxTokens: number;
  /** Tokens not learned for this many days whose total count is at most `rareCount` go. */
  maxAgeDays: number;
  rareCount: number;
  /** Learned message ids (and token lists) older than this go: such a message can no longer be forgotten. */
  keepLearnedDays: number;
  /** Prune after this many learns (and at open). */
  pruneEveryLearns: number;
}

export interface SqliteTokenStoreOptions {
  expiry: ExpirySettings;
  /** Clock in ms, injected for expiry tests. */
  now?: () => number;
  /** Prune expired tokens on open (default true); false for a reader such as `thresher check`, which must not change the store. */
  pruneOnOpen?: boolean;
}

export interface PruneReport {
  tokensDropped: number;
  learnedDropped: number;
  /** False when the time budget ran out first: the rest goes at the next prune. */
  complete: boolean;
}

/** Rows deleted per statement: each is its own short transaction, so readers and learners interleave. */
const PRUNE_BATCH_ROWS = 5000;
/** Time a prune may take when the store opens (once per process). */
export const PRUNE_OPEN_BUDGET_MS = 2000;
/** Time a prune may take between learns, so a learner (or the server autolearning) never stalls long. */
export const PRUNE_LEARN_BUDGET_MS = 50;
/** When over maxTokens, prune down to this share of it, so pruning does not run on every learn. */
const PRUNE_TARGET_SHARE = 0.9;
/**
 * Token counts cached in memory per process. Mail repeats its common words, so most lookups
 * hit: on the development corpus the cache halved the time of counts(). Bounded: when full it
 * is emptied and refills with what current mail uses.
 */
const COUNTS_CACHE_ENTRIES = 200_000;
/**
 * How often the cache asks SQLite whether another connection committed: the PRAGMA costs
 * about 20 µs, more than the cache saves on a small message, and counts a second old are
 * as good as current ones for a statistic.
 */
const CACHE_CHECK_MS = 1000;
/** Hashes looked up per statement (SQLite's default limit of bound parameters is 32766). */
const LOOKUP_CHUNK = 500;
const DAY_MS = 86_400_000;
const SCHEMA_VERSION = 1;

const SPAM = 1;
const HAM = 0;

export class SqliteTokenStore implements TokenStore {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly expiry: ExpirySettings;
  private learnsSincePrune = 0;
  /** Counts by hash, [spam, ham]; [0, 0] for a token the store does not hold. */
  private readonly cache = new Map<number, readonly [number, number]>();
  /** PRAGMA data_version when the cache was last valid: another connection's commit changes it. */
  private cacheVersion = -1;
  private cacheCheckedAt = -Infinity;
  private readonly lookups = new Map<number, Database.Statement<number[], [number, number, number]>>();
  private readonly stmt;

  private constructor(db: Database.Database, opts: SqliteTokenStoreOptions) {
    this.db = db;
    this.now = opts.now ?? Date.now;
    this.expiry = opts.expiry;
    this.stmt = {
      totals: db.prepare<[], { label: number; messages: number }>('SELECT label, messages FROM totals'),
      addTotal: db.prepare<[number, number]>(
        'INSERT INTO totals (label, messages) VALUES (?, ?) ON CONFLICT (label) DO UPDATE SET messages = messages + excluded.messages',
      ),
      findLearned: db.prepare<[string], { label: number; tokens: Buffer }>('SELECT label, tokens FROM learned WHERE id = ?'),
      putLearned: db.prepare<[string, number, Buffer, number]>(
        'INSERT INTO learned (id, label, tokens, day) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET label = excluded.label, tokens = excluded.tokens, day = excluded.day',
      ),
      dropLearned: db.prepare<[string]>('DELETE FROM learned WHERE id = ?'),
      // Same day: counts change, `seen` does not, so its index is not rewritten.
      bumpSameDay: db.prepare<[number, number, number, number]>(
        'UPDATE tokens SET spam = max(spam + ?, 0), ham = max(ham + ?, 0) WHERE hash = ? AND seen = ?',
      ),
      // max(.., 0): a token pruned and learned again has lower counts than its learners.
      bump: db.prepare<[{ hash: number; spam: number; ham: number; day: number }]>(
        'INSERT INTO tokens (hash, spam, ham, seen) VALUES (@hash, max(@spam, 0), max(@ham, 0), @day) '
          + 'ON CONFLICT (hash) DO UPDATE SET spam = max(spam + @spam, 0), ham = max(ham + @ham, 0), seen = max(seen, @day)',
      ),
      dropEmpty: db.prepare<[number]>('DELETE FROM tokens WHERE hash = ? AND spam = 0 AND ham = 0'),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      tokenCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM tokens'),
      pruneAged: db.prepare<[number, number, number]>(
        'DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE seen < ? AND spam + ham <= ? LIMIT ?)',
      ),
      pruneRareOldest: db.prepare<[number, number]>(
        'DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE spam + ham <= ? ORDER BY seen LIMIT ?)',
      ),
      pruneOldest: db.prepare<[number]>('DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens ORDER BY seen LIMIT ?)'),
      pruneLearned: db.prepare<[number, number]>('DELETE FROM learned WHERE id IN (SELECT id FROM learned WHERE day < ? LIMIT ?)'),
    };
  }

  /**
   * Opens (creating if needed) the token database `file` and, unless told not to, prunes it
   * within a short time budget. Throws if the file cannot be opened or is not a Thresher token database.
   */
  static open(file: string, opts: SqliteTokenStoreOptions): SqliteTokenStore {
    const db = new Database(file);
    try {
      // WAL: readers (server workers, `thresher check`) never wait for a writer (`thresher
      // learn`, autolearn), and a commit appends to the log instead of rewriting pages.
      db.pragma('journal_mode = WAL');
      // NORMAL is durable in WAL mode except for the last commits on power loss: these are
      // statistics, a few lost learns do not matter, and FULL would fsync every commit.
      db.pragma('synchronous = NORMAL');
      // Several processes share the file (cluster workers, learn): wait for a lock, do not fail.
      db.pragma('busy_timeout = 5000');
      // 32 MB of page cache: the hot tokens of a million-token table stay in memory.
      db.pragma('cache_size = -32000');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    const store = new SqliteTokenStore(db, opts);
    if (opts.pruneOnOpen !== false) store.prune(PRUNE_OPEN_BUDGET_MS);
    return store;
  }

  totals(): TokenCounts {
    const out = { spam: 0, ham: 0 };
    for (const row of this.stmt.totals.all()) out[row.label === SPAM ? 'spam' : 'ham'] = row.messages;
    return out;
  }

  counts(tokens: readonly string[]): Map<string, TokenCounts> {
    this.validateCache();
    const out = new Map<string, TokenCounts>();
    const missing = new Map<number, string>();
    for (const t of tokens) {
      const h = tokenHash(t);
      const cached = this.cache.get(h);
      if (cached === undefined) missing.set(h, t);
      else if (cached[0] !== 0 || cached[1] !== 0) out.set(t, { spam: cached[0], ham: cached[1] });
    }
    if (this.cache.size + missing.size > COUNTS_CACHE_ENTRIES) this.cache.clear();
    const hashes = [...missing.keys()];
    for (let at = 0; at < hashes.length; at += LOOKUP_CHUNK) {
      const chunk = hashes.slice(at, at + LOOKUP_CHUNK);
      for (const [hash, spam, ham] of this.lookup(chunk.length).all(...chunk)) {
        out.set(missing.get(hash)!, { spam, ham });
        this.cache.set(hash, [spam, ham]);
      }
    }
    for (const h of hashes) if (!this.cache.has(h)) this.cache.set(h, [0, 0]);
    return out;
  }

  learn(id: string, tokens: readonly string[], label: Label): 'learned' | 'unchanged' | 'relearned' {
    return this.learnMany([{ id, tokens, label }])[0]!;
  }

  /**
   * Learns many messages in one transaction, as learn() would one by one. Token count
   * changes are summed over the batch and applied in hash order: each token is written once
   * per batch and the b-tree is walked in order, which made learning the 6,700-message
   * corpus several times faster than a write per token per message.
   */
  learnMany(items: readonly { id: string; tokens: readonly string[]; label: Label }[]): ('learned' | 'unchanged' | 'relearned')[] {
    const outcomes = this.db.transaction(() => {
      const deltas = new Deltas();
      const out = items.map((item) => {
        const previous = this.stmt.findLearned.get(item.id);
        const value = item.label === 'spam' ? SPAM : HAM;
        if (previous?.label === value) return 'unchanged' as const;
        if (previous !== undefined) {
          deltas.add(unpackHashes(previous.tokens), previous.label, -1);
          this.stmt.addTotal.run(previous.label, -1);
        }
        const hashes = [...new Set(item.tokens.map(tokenHash))];
        deltas.add(hashes, value, 1);
        this.stmt.addTotal.run(value, 1);
        this.stmt.putLearned.run(item.id, value, packHashes(hashes), this.today());
        return previous === undefined ? ('learned' as const) : ('relearned' as const);
      });
      this.apply(deltas);
      return out;
    })();
    this.learnsSincePrune += outcomes.filter((o) => o !== 'unchanged').length;
    if (this.learnsSincePrune >= this.expiry.pruneEveryLearns) this.prune(PRUNE_LEARN_BUDGET_MS);
    return outcomes;
  }

  forget(id: string): boolean {
    return this.db.transaction(() => {
      const previous = this.stmt.findLearned.get(id);
      if (previous === undefined) return false;
      const deltas = new Deltas();
      deltas.add(unpackHashes(previous.tokens), previous.label, -1);
      this.apply(deltas);
      this.stmt.addTotal.run(previous.label, -1);
      this.stmt.dropLearned.run(id);
      return true;
    })();
  }

  /** Runs `fn` in one transaction (nested learns and forgets become savepoints). */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Number of distinct tokens stored. */
  tokenCount(): number {
    return this.stmt.tokenCount.get()!.n;
  }

  /**
   * Drops expired tokens and learned ids in batches of PRUNE_BATCH_ROWS until done or
   * `budgetMs` is spent; what is left goes at the next prune. Inside batch() the deletes join
   * the caller's transaction.
   */
  prune(budgetMs: number): PruneReport {
    const deadline = performance.now() + budgetMs;
    const e = this.expiry;
    const today = this.today();
    const report: PruneReport = { tokensDropped: 0, learnedDropped: 0, complete: false };
    this.learnsSincePrune = 0;
    /** Runs `step(limit)` until it deletes nothing or `total` rows are gone; false when out of time. */
    const drain = (step: (limit: number) => number, total = Infinity): number | undefined => {
      let dropped = 0;
      while (dropped < total) {
        if (performance.now() >= deadline) return undefined;
        const n = step(Math.min(PRUNE_BATCH_ROWS, total - dropped));
        if (n === 0) break;
        dropped += n;
      }
      return dropped;
    };
    const aged = drain((limit) => this.stmt.pruneAged.run(today - e.maxAgeDays, e.rareCount, limit).changes);
    if (aged === undefined) return report;
    report.tokensDropped += aged;
    const count = this.tokenCount();
    if (count > e.maxTokens) {
      const excess = count - Math.floor(e.maxTokens * PRUNE_TARGET_SHARE);
      const rare = drain((limit) => this.stmt.pruneRareOldest.run(e.rareCount, limit).changes, excess);
      if (rare === undefined) return report;
      report.tokensDropped += rare;
      const oldest = drain((limit) => this.stmt.pruneOldest.run(limit).changes, excess - rare);
      if (oldest === undefined) return report;
      report.tokensDropped += oldest;
    }
    const learned = drain((limit) => this.stmt.pruneLearned.run(today - e.keepLearnedDays, limit).changes);
    if (learned === undefined) return report;
    report.learnedDropped = learned;
    report.complete = true;
    return report;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private apply(deltas: Deltas): void {
    const day = this.today();
    for (const [hash, spam, ham] of deltas.sorted()) {
      this.cache.delete(hash);
      if (this.stmt.bumpSameDay.run(spam, ham, hash, day).changes === 0) this.stmt.bump.run({ hash, spam, ham, day });
      if (spam < 0 || ham < 0) this.stmt.dropEmpty.run(hash);
    }
  }

  /** Forgets cached counts when another connection committed (learn, prune, another worker's autolearn), checked at most every CACHE_CHECK_MS. */
  private validateCache(): void {
    const now = performance.now();
    if (now - this.cacheCheckedAt < CACHE_CHECK_MS) return;
    this.cacheCheckedAt = now;
    const version = this.stmt.dataVersion.get()!;
    if (version !== this.cacheVersion) {
      this.cache.clear();
      this.cacheVersion = version;
    }
  }

  /** Looks up `n` hashes in one statement, prepared once per size; rows as [hash, spam, ham] arrays. */
  private lookup(n: number) {
    let stmt = this.lookups.get(n);
    if (stmt === undefined) {
      stmt = this.db.prepare<number[], [number, number, number]>(`SELECT hash, spam, ham FROM tokens WHERE hash IN (${new Array<string>(n).fill('?').join(',')})`).raw(true);
      this.lookups.set(n, stmt);
    }
    return stmt;
  }

  private today(): number {
    return Math.floor(this.now() / DAY_MS);
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version !== 0) throw new Error(`token database has schema version ${version}; this Thresher knows ${SCHEMA_VERSION}`);
  db.exec(`
    BEGIN;
    -- hash is the rowid: a token lookup is one b-tree search. seen: day (since 1970) last learned.
    CREATE TABLE tokens (hash INTEGER PRIMARY KEY, spam INTEGER NOT NULL, ham INTEGER NOT NULL, seen INTEGER NOT NULL);
    CREATE INDEX tokens_seen ON tokens (seen);
    -- label: 1 spam, 0 ham. tokens: the message's token hashes, 6 bytes each, to unlearn it.
    CREATE TABLE learned (id TEXT PRIMARY KEY, label INTEGER NOT NULL, tokens BLOB NOT NULL, day INTEGER NOT NULL);
    CREATE INDEX learned_day ON learned (day);
    CREATE TABLE totals (label INTEGER PRIMARY KEY, messages INTEGER NOT NULL);
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `);
}

/** Summed count changes per token hash over a batch. */
class Deltas {
  private readonly byHash = new Map<number, [number, number]>();

  add(hashes: readonly number[], label: number, delta: 1 | -1): void {
    const i = label === SPAM ? 0 : 1;
    for (const h of hashes) {
      let d = this.byHash.get(h);
      if (d === undefined) {
        d = [0, 0];
        this.byHash.set(h, d);
      }
      d[i] += delta;
    }
  }

  /** [hash, spam, ham] in hash order, changes that cancelled out left out. */
  sorted(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (const [h, [spam, ham]] of this.byHash) if (spam !== 0 || ham !== 0) out.push([h, spam, ham]);
    return out.sort((a, b) => a[0] - b[0]);
  }
}
