import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { CountsCache } from './counts-cache.js';
import { fileState, openSqliteFile, removeStaleWal, type FileIdentity } from './sqlite-file.js';
import { packHashes, tokenHash, unpackHashes } from './token-hash.js';
import type { Label, LearnItem, LearnOutcome, TokenCounts, TokenStore } from './tokens.js';

// The embedded token store: one SQLite file in the data directory. Tokens are 48-bit hashes
// (token-hash.ts) used as the table's rowid, so a lookup is one b-tree search with no separate
// index. Each learned message keeps its label and packed token list, which is what makes
// learning idempotent and lets a message be forgotten or moved to the other class. Every write
// is a BEGIN IMMEDIATE transaction: it takes the write lock before reading, so two writers
// (`thresher learn` beside the server's autolearn, or a second learn) queue for busy_timeout
// instead of failing with "database is locked" on a read snapshot another writer made stale.
// The methods are async for the TokenStore interface; the work is synchronous SQLite calls.

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
  /** Make the directory and file if missing (default true); false: a missing file is an error. */
  create?: boolean;
  log?: Pick<Logger, 'warn' | 'info'>;
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
/** Hashes looked up per statement (SQLite's default limit of bound parameters is 32766). */
const LOOKUP_CHUNK = 500;
const DAY_MS = 86_400_000;
const SCHEMA_VERSION = 1;

const SPAM = 1;
const HAM = 0;

function prepare(db: Database.Database) {
  return {
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

export class SqliteTokenStore implements TokenStore {
  readonly kind = 'sqlite' as const;
  private db!: Database.Database;
  private identity: FileIdentity | undefined;
  private walIndex: FileIdentity | undefined;
  private stmt!: ReturnType<typeof prepare>;
  private readonly now: () => number;
  private readonly expiry: ExpirySettings;
  private learnsSincePrune = 0;
  /** Counts by hash; PRAGMA data_version tells when another connection committed. */
  private readonly cache = new CountsCache();
  private readonly lookups = new Map<number, Database.Statement<number[], [number, number, number]>>();

  private constructor(
    readonly file: string,
    private readonly opts: SqliteTokenStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.expiry = opts.expiry;
    this.attach();
  }

  /**
   * Opens (creating if needed, unless `create: false`) the token database `file` and, unless
   * told not to, prunes it within a short time budget. Throws StoreOpenError naming the file and
   * the cause if it cannot be opened or is not a Thresher token database.
   */
  static open(file: string, opts: SqliteTokenStoreOptions): SqliteTokenStore {
    const store = new SqliteTokenStore(file, opts);
    if (opts.pruneOnOpen !== false) {
      try {
        store.prune(PRUNE_OPEN_BUDGET_MS);
      } catch (err) {
        // Another writer held the lock past busy_timeout: pruning can wait for the next learns.
        if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
        opts.log?.warn({ file }, 'Bayes token store busy: pruning skipped until the next learns');
      }
    }
    return store;
  }

  async totals(): Promise<TokenCounts> {
    const out = { spam: 0, ham: 0 };
    for (const row of this.stmt.totals.all()) out[row.label === SPAM ? 'spam' : 'ham'] = row.messages;
    return out;
  }

  async counts(tokens: readonly string[]): Promise<Map<string, TokenCounts>> {
    if (this.cache.due()) this.cache.observe(this.stmt.dataVersion.get()!);
    const out = new Map<string, TokenCounts>();
    const missing = new Map<number, string>();
    for (const t of tokens) {
      const h = tokenHash(t);
      const cached = this.cache.byHash.get(h);
      if (cached === undefined) missing.set(h, t);
      else if (cached[0] !== 0 || cached[1] !== 0) out.set(t, { spam: cached[0], ham: cached[1] });
    }
    this.cache.makeRoom(missing.size);
    const hashes = [...missing.keys()];
    for (let at = 0; at < hashes.length; at += LOOKUP_CHUNK) {
      const chunk = hashes.slice(at, at + LOOKUP_CHUNK);
      for (const [hash, spam, ham] of this.lookup(chunk.length).all(...chunk)) {
        out.set(missing.get(hash)!, { spam, ham });
        this.cache.byHash.set(hash, [spam, ham]);
      }
    }
    for (const h of hashes) if (!this.cache.byHash.has(h)) this.cache.byHash.set(h, [0, 0]);
    return out;
  }

  async learn(id: string, tokens: readonly string[], label: Label): Promise<LearnOutcome> {
    return this.learnNow([{ id, tokens, label }])[0]!;
  }

  /**
   * Learns many messages in one transaction, as learn() would one by one. Token count
   * changes are summed over the batch and applied in hash order: each token is written once
   * per batch and the b-tree is walked in order, which made learning the 6,700-message
   * corpus several times faster than a write per token per message.
   */
  async learnMany(items: readonly LearnItem[]): Promise<LearnOutcome[]> {
    return this.learnNow(items);
  }

  private learnNow(items: readonly LearnItem[]): LearnOutcome[] {
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
    }).immediate();
    this.learnsSincePrune += outcomes.filter((o) => o !== 'unchanged').length;
    if (this.learnsSincePrune >= this.expiry.pruneEveryLearns) this.prune(PRUNE_LEARN_BUDGET_MS);
    return outcomes;
  }

  async forget(id: string): Promise<boolean> {
    return this.forgetNow([id])[0]!;
  }

  async forgetMany(ids: readonly string[]): Promise<boolean[]> {
    return this.forgetNow(ids);
  }

  private forgetNow(ids: readonly string[]): boolean[] {
    return this.db.transaction(() => {
      const deltas = new Deltas();
      const out = ids.map((id) => {
        const previous = this.stmt.findLearned.get(id);
        if (previous === undefined) return false;
        deltas.add(unpackHashes(previous.tokens), previous.label, -1);
        this.stmt.addTotal.run(previous.label, -1);
        this.stmt.dropLearned.run(id);
        return true;
      });
      this.apply(deltas);
      return out;
    }).immediate();
  }

  async tokenCount(): Promise<number> {
    return this.countTokens();
  }

  /**
   * The days (since 1970, UTC) of the oldest and newest learn still recorded, for `bayes
   * stats`; ids older than keep_learned_days are pruned, so the oldest is the oldest kept.
   */
  learnedDays(): { oldest: number; newest: number } | undefined {
    const row = this.db.prepare<[], { oldest: number | null; newest: number | null }>('SELECT min(day) AS oldest, max(day) AS newest FROM learned').get();
    return row?.oldest == null || row.newest == null ? undefined : { oldest: row.oldest, newest: row.newest };
  }

  private countTokens(): number {
    return this.stmt.tokenCount.get()!.n;
  }

  /**
   * Drops expired tokens and learned ids in batches of PRUNE_BATCH_ROWS until done or
   * `budgetMs` is spent; what is left goes at the next prune. Each batch is its own short
   * write transaction, so readers and other writers interleave.
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
        const n = this.db.transaction(() => step(Math.min(PRUNE_BATCH_ROWS, total - dropped))).immediate();
        if (n === 0) break;
        dropped += n;
      }
      return dropped;
    };
    const aged = drain((limit) => this.stmt.pruneAged.run(today - e.maxAgeDays, e.rareCount, limit).changes);
    if (aged === undefined) return report;
    report.tokensDropped += aged;
    const count = this.countTokens();
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

  /**
   * Reopens the file when it was deleted or replaced under the running process (an admin
   * restoring a backup, a mistaken rm), and logs it; true when it reopened. A vanished file is
   * created again, empty, with a warning: what was learned since the last backup is gone.
   */
  reopenIfReplaced(): boolean {
    const state = fileState(this.file, this.identity);
    if (state === 'same') return false;
    // Close first: the last connection to the old file checkpoints and removes its -wal and
    // -shm, which would otherwise be read as the new file's.
    this.db.close();
    removeStaleWal(this.file, this.walIndex);
    this.attach();
    if (state === 'vanished') this.opts.log?.warn({ file: this.file }, 'Bayes token store file was deleted while running: created a new empty one (nothing learned)');
    else this.opts.log?.info({ file: this.file }, 'Bayes token store file was replaced: reopened');
    return true;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Opens the file and prepares the statements; a fresh connection drops the cached counts. */
  private attach(): void {
    const opened = openSqliteFile(this.file, this.opts.create !== false, migrate);
    if (opened.wasEmpty) this.opts.log?.warn({ file: this.file }, 'Bayes token store file was empty (0 bytes): created a new empty store (nothing learned)');
    this.db = opened.db;
    // 32 MB of page cache: the hot tokens of a million-token table stay in memory.
    this.db.pragma('cache_size = -32000');
    this.identity = opened.identity;
    this.walIndex = opened.walIndex;
    this.stmt = prepare(this.db);
    this.lookups.clear();
    this.cache.reset();
  }

  private apply(deltas: Deltas): void {
    const day = this.today();
    for (const [hash, spam, ham] of deltas.sorted()) {
      this.cache.delete(hash);
      if (this.stmt.bumpSameDay.run(spam, ham, hash, day).changes === 0) this.stmt.bump.run({ hash, spam, ham, day });
      if (spam < 0 || ham < 0) this.stmt.dropEmpty.run(hash);
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
    BEGIN IMMEDIATE;
    -- hash is the rowid: a token lookup is one b-tree search. seen: day (since 1970) last learned.
    CREATE TABLE IF NOT EXISTS tokens (hash INTEGER PRIMARY KEY, spam INTEGER NOT NULL, ham INTEGER NOT NULL, seen INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS tokens_seen ON tokens (seen);
    -- label: 1 spam, 0 ham. tokens: the message's token hashes, 6 bytes each, to unlearn it.
    CREATE TABLE IF NOT EXISTS learned (id TEXT PRIMARY KEY, label INTEGER NOT NULL, tokens BLOB NOT NULL, day INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS learned_day ON learned (day);
    CREATE TABLE IF NOT EXISTS totals (label INTEGER PRIMARY KEY, messages INTEGER NOT NULL);
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
