import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { checkBucket, formatBucket, parseBucket, takeFrom } from './bucket.js';
import { checkDelta, counterValue, ttlOf } from './kv-args.js';
import type { BucketTake, KeyValueStore, TokenBucket } from './kv.js';
import { fileState, openSqliteFile, removeStaleWal, type FileIdentity } from './sqlite-file.js';

// The embedded key-value store: one table in state.sqlite in the data directory. Every write
// is a short BEGIN IMMEDIATE transaction, so cluster workers on one file queue for the write
// lock (busy_timeout) instead of failing on a stale read snapshot, and read-modify-write
// operations (increment, take, compareAndSet) are atomic across processes. The statements are
// microseconds long, so running them synchronously does not hold up the event loop.

/** The state file inside the data directory. */
export const STATE_FILE = 'state.sqlite';
const SCHEMA_VERSION = 1;
/** Expired rows deleted per sweep: one short transaction, never a long lock. */
const SWEEP_BATCH_ROWS = 500;
/** Writes between two sweeps. */
const SWEEP_EVERY_WRITES = 200;

export interface SqliteKeyValueStoreOptions {
  /** Make the directory and file if missing (serve); otherwise a missing file is an error. */
  create: boolean;
  /** Clock in ms for expiry, injected so tests drive time. */
  now?: () => number;
  log?: Pick<Logger, 'warn' | 'info'>;
}

type Row = { value: string; expires: number | null };

function prepare(db: Database.Database) {
  return {
    get: db.prepare<[string, number], Row>('SELECT value, expires FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)'),
    put: db.prepare<[string, string, number | null]>(
      'INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
    ),
    // Writes over an absent or expired row only.
    putIfAbsent: db.prepare<[{ key: string; value: string; expires: number | null; now: number }]>(
      'INSERT INTO kv (key, value, expires) VALUES (@key, @value, @expires) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires WHERE kv.expires IS NOT NULL AND kv.expires <= @now',
    ),
    updateValue: db.prepare<[string, string]>('UPDATE kv SET value = ? WHERE key = ?'),
    drop: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
    sweep: db.prepare<[number, number]>('DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE expires <= ? LIMIT ?)'),
  };
}

export class SqliteKeyValueStore implements KeyValueStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database;
  private identity: FileIdentity | undefined;
  private walIndex: FileIdentity | undefined;
  private stmt: ReturnType<typeof prepare>;
  private writesSinceSweep = 0;
  private readonly now: () => number;

  private constructor(
    readonly file: string,
    private readonly opts: SqliteKeyValueStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
    const opened = openSqliteFile(file, opts.create, migrate);
    if (opened.wasEmpty) opts.log?.warn({ file }, 'state store file was empty (0 bytes): created a new empty store');
    this.db = opened.db;
    this.identity = opened.identity;
    this.walIndex = opened.walIndex;
    this.stmt = prepare(this.db);
  }

  /** Opens state.sqlite (see SqliteKeyValueStoreOptions); throws StoreOpenError naming the file and cause. */
  static open(file: string, opts: SqliteKeyValueStoreOptions): SqliteKeyValueStore {
    return new SqliteKeyValueStore(file, opts);
  }

  async get(key: string): Promise<string | undefined> {
    return this.stmt.get.get(key, this.now())?.value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const now = this.now();
    return keys.map((k) => this.stmt.get.get(k, now)?.value);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const expires = this.expiresAt(ttlMs);
    this.write(() => this.stmt.put.run(key, value, expires));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const expires = this.expiresAt(ttlMs);
    return this.write(() => this.stmt.putIfAbsent.run({ key, value, expires, now: this.now() }).changes === 1);
  }

  async compareAndSet(key: string, expected: string | undefined, value: string, ttlMs?: number): Promise<boolean> {
    const expires = this.expiresAt(ttlMs);
    return this.write(() => {
      if (this.stmt.get.get(key, this.now())?.value !== expected) return false;
      this.stmt.put.run(key, value, expires);
      return true;
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.write(() => {
      const existed = this.stmt.get.get(key, this.now()) !== undefined;
      this.stmt.drop.run(key);
      return existed;
    });
  }

  async increment(key: string, delta = 1, ttlMs?: number): Promise<number> {
    checkDelta(delta);
    const expires = this.expiresAt(ttlMs);
    return this.write(() => {
      const row = this.stmt.get.get(key, this.now());
      const next = counterValue(key, row?.value) + delta;
      if (row === undefined) this.stmt.put.run(key, String(next), expires);
      else this.stmt.updateValue.run(String(next), key);
      return next;
    });
  }

  async take(key: string, bucket: TokenBucket, nowMs: number, cost = 1): Promise<BucketTake> {
    checkBucket(bucket, cost);
    return this.write(() => {
      const { take, next, fullInMs } = takeFrom(parseBucket(this.stmt.get.get(key, this.now())?.value), bucket, nowMs, cost);
      this.stmt.put.run(key, formatBucket(next), this.now() + fullInMs + 1);
      return take;
    });
  }

  /** Deletes up to `limit` expired rows; the number deleted. */
  sweep(limit = SWEEP_BATCH_ROWS): number {
    this.writesSinceSweep = 0;
    return this.db.transaction(() => this.stmt.sweep.run(this.now(), limit).changes).immediate();
  }

  /**
   * Reopens the file when it was deleted or replaced under the running process (then logs it);
   * true when it reopened. A vanished file is created again, empty, with a warning.
   */
  reopenIfReplaced(): boolean {
    const state = fileState(this.file, this.identity);
    if (state === 'same') return false;
    // Close first: the last connection to the old file checkpoints and removes its -wal and
    // -shm, which would otherwise be read as the new file's.
    this.db.close();
    removeStaleWal(this.file, this.walIndex);
    const opened = openSqliteFile(this.file, this.opts.create, migrate);
    this.db = opened.db;
    this.identity = opened.identity;
    this.walIndex = opened.walIndex;
    this.stmt = prepare(this.db);
    if (state === 'vanished') this.opts.log?.warn({ file: this.file }, 'state store file was deleted while running: created a new empty one');
    else this.opts.log?.info({ file: this.file }, 'state store file was replaced: reopened');
    return true;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction, and now and then sweeps expired rows. */
  private write<T>(fn: () => T): T {
    const out = this.db.transaction(fn).immediate();
    if (++this.writesSinceSweep >= SWEEP_EVERY_WRITES) this.sweep();
    return out;
  }

  private expiresAt(ttlMs: number | undefined): number | null {
    const ttl = ttlOf(ttlMs);
    return ttl === undefined ? null : this.now() + ttl;
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version !== 0) throw new Error(`state database has schema version ${version}; this Thresher knows ${SCHEMA_VERSION}`);
  db.exec(`
    BEGIN IMMEDIATE;
    -- expires: ms since 1970 by the store's clock; NULL never expires.
    CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `);
}
