import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

// Opening a state file of the data directory the same way for every SQLite store, and noticing
// when the file under a running server was deleted or replaced (an admin restoring a backup,
// `rm` by mistake): SQLite keeps writing to the unlinked inode, so without this check the
// learning of weeks would vanish at the next restart, unnoticed.

/** How long a writer waits for another process's write lock before giving up (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 5000;

export interface FileIdentity {
  dev: number;
  ino: number;
}

export interface OpenedFile {
  db: Database.Database;
  identity: FileIdentity | undefined;
  /** The WAL index (-shm) this connection shares: it tells the old file's WAL from a new one's. */
  walIndex: FileIdentity | undefined;
  /** The file existed with 0 bytes and became a new empty store (a truncated or touched file). */
  wasEmpty: boolean;
}

/** One line naming the file and the cause, for the admin and for the log. */
export class StoreOpenError extends Error {
  constructor(readonly file: string, cause: string) {
    super(`${file}: cannot open: ${cause}`);
    this.name = 'StoreOpenError';
  }
}

/**
 * Opens (with `create`, making the directory and file) a SQLite state file: WAL so readers
 * never wait for a writer, a busy timeout so concurrent writers (cluster workers, `thresher
 * learn`) queue instead of failing. `setUp` runs on the open database (migrations); its error
 * closes the file and is reported like an open error.
 */
export function openSqliteFile(file: string, create: boolean, setUp: (db: Database.Database) => void): OpenedFile {
  const wasEmpty = sizeOf(file) === 0;
  let db: Database.Database | undefined;
  try {
    if (create) makeDirs(dirname(file));
    db = new Database(file, { fileMustExist: !create });
    db.pragma('journal_mode = WAL');
    // NORMAL is durable in WAL mode except for the last commits on power loss: state and
    // statistics, where FULL's fsync per commit would cost more than a few lost writes.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    setUp(db);
  } catch (err) {
    db?.close();
    throw new StoreOpenError(file, causeOf(file, create, err));
  }
  return { db, identity: identityOf(file), walIndex: identityOf(`${file}-shm`), wasEmpty };
}

export function identityOf(file: string): FileIdentity | undefined {
  try {
    const s = statSync(file);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}

/** What became of the file opened as `opened`: still it, replaced by another file, or gone. */
export function fileState(file: string, opened: FileIdentity | undefined): 'same' | 'replaced' | 'vanished' {
  const now = identityOf(file);
  if (now === undefined) return 'vanished';
  return opened !== undefined && now.dev === opened.dev && now.ino === opened.ino ? 'same' : 'replaced';
}

/**
 * After closing a connection to a file that was replaced or deleted: removes the -wal and -shm
 * it left at the path if they are still the old file's (the same -shm it opened). SQLite does
 * not clean up after a database unlinked under it, and would read the old file's WAL as the
 * new file's: a restored backup would show the old counts.
 */
export function removeStaleWal(file: string, walIndex: FileIdentity | undefined): void {
  const now = identityOf(`${file}-shm`);
  if (walIndex === undefined || now === undefined || now.dev !== walIndex.dev || now.ino !== walIndex.ino) return;
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/**
 * The cause in words. SQLite says only "unable to open database file"; opening the file (or
 * its directory) ourselves gives the errno: permission denied, no such directory, read-only.
 */
function causeOf(file: string, create: boolean, err: unknown): string {
  const own = (err as NodeJS.ErrnoException).code;
  if (own !== undefined && own.startsWith('E')) return errnoText(err as NodeJS.ErrnoException);
  const message = (err as Error).message;
  if (!/unable to open|readonly|read-only|disk I\/O/i.test(message)) return message;
  try {
    closeSync(openSync(file, create ? 'a' : 'r'));
  } catch (probe) {
    return errnoText(probe as NodeJS.ErrnoException);
  }
  return message;
}

function errnoText(err: NodeJS.ErrnoException): string {
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted', ENOENT: 'no such file or directory', EROFS: 'read-only file system', ENOTDIR: 'a parent is not a directory', ENOSPC: 'no space left on device' };
  const text = err.code !== undefined ? words[err.code] : undefined;
  return text !== undefined ? `${text} (${err.code})` : err.message;
}

/**
 * mkdir -p, one level at a time. Not mkdirSync's `recursive`: in Node 20 it loops forever
 * where mkdir keeps answering ENOENT (a path under /proc), and a server must not hang at start.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d, { mode: 0o750 });
}
