import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ConfigError } from '../../config/errors.js';
import type { ListItem } from '../../config/lists.js';

// One configured list: inline entries plus list files (one entry per line, `#` comments,
// blank lines ignored), compiled into one matcher. Files are read when the checks are built
// (at startup and on SIGHUP): a missing, unreadable or invalid file is a config error. After
// that, a file is checked on use, at most once per FILE_CHECK_INTERVAL_MS, by stat (mtime,
// ctime, size, inode: an edit in place and a rename over it both show); a changed file is read
// again and the list recompiled. A later read error or invalid line keeps the last good
// entries of that file and is logged (once per distinct problem). Polling on use, rather than
// fs.watch, survives editors that replace the file, files re-created after deletion, network
// file systems, and reloads (nothing to unwatch).

/** How often a list file may be stat'ed: a changed file is seen within about this long. */
export const FILE_CHECK_INTERVAL_MS = 1000;
/** A list is read whole on every change; a bigger file is almost surely the wrong path. */
export const MAX_LIST_FILE_BYTES = 64 * 1024 * 1024;

export interface ListSourceOptions {
  now?: () => number;
  intervalMs?: number;
}

interface FilePart {
  path: string;
  /** Config path of the item, e.g. lists.ip_block.1. */
  at: string;
  stamp: string;
  entries: string[];
  /** The last read problem, logged once; and the stamp of an invalid version, not read again. */
  problem?: string;
  badStamp?: string;
}

function stampOf(s: Stats): string {
  return `${s.mtimeMs}:${s.ctimeMs}:${s.size}:${s.ino}`;
}

/** Entries of a list file; throws with the line number of an invalid entry. */
export function parseListFile(text: string, problem: (entry: string) => string | undefined): string[] {
  const entries: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // "entry", or "entry  # comment": entries never contain whitespace.
    const [entry, ...rest] = line.split(/\s+/) as [string, ...string[]];
    const p = rest.length > 0 && !rest[0]!.startsWith('#') ? `more than one entry on the line: ${line}` : problem(entry);
    if (p !== undefined) throw new Error(`line ${i + 1}: ${p}`);
    entries.push(entry);
  }
  return entries;
}

function checkSize(s: Stats): void {
  if (!s.isFile()) throw new Error('not a regular file');
  if (s.size > MAX_LIST_FILE_BYTES) throw new Error(`larger than ${MAX_LIST_FILE_BYTES} bytes`);
}

export class ListSource<T> {
  private readonly inline: string[] = [];
  private readonly files: FilePart[] = [];
  private compiled: T;
  private lastCheck: number;
  private pending: Promise<T> | undefined;
  private readonly now: () => number;
  private readonly intervalMs: number;

  /**
   * Reads the files now (throwing ConfigError naming the config path and the file) and
   * compiles. Each file line is checked with `problem`; `build` gets every entry, inline first.
   */
  constructor(
    items: readonly ListItem[],
    at: string,
    private readonly problem: (entry: string) => string | undefined,
    private readonly build: (entries: string[]) => T,
    opts: ListSourceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.intervalMs = opts.intervalMs ?? FILE_CHECK_INTERVAL_MS;
    for (const [i, item] of items.entries()) {
      if (typeof item === 'string') {
        this.inline.push(item);
        continue;
      }
      const part: FilePart = { path: item.file, at: `${at}.${i}`, stamp: '', entries: [] };
      try {
        const s = statSync(item.file);
        checkSize(s);
        part.entries = parseListFile(readFileSync(item.file, 'utf8'), problem);
        part.stamp = stampOf(s);
      } catch (err) {
        throw new ConfigError(`${part.at}: ${item.file}: ${(err as Error).message}`);
      }
      this.files.push(part);
    }
    this.compiled = this.compile();
    this.lastCheck = this.now();
  }

  /** True when nothing is configured (no entries and no files). */
  get empty(): boolean {
    return this.inline.length === 0 && this.files.length === 0;
  }

  /** The compiled list; a promise only when a file check is due (at most once per interval). */
  current(log: Logger): T | Promise<T> {
    if (this.files.length === 0) return this.compiled;
    if (this.pending) return this.pending;
    const now = this.now();
    if (now - this.lastCheck < this.intervalMs) return this.compiled;
    this.lastCheck = now;
    this.pending = this.refresh(log).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Checks every file now; resolves with the (possibly recompiled) list. Never rejects. */
  async refresh(log: Logger): Promise<T> {
    const changed = await Promise.all(this.files.map((f) => this.reread(f, log)));
    if (changed.some((c) => c)) {
      try {
        this.compiled = this.compile();
        log.info({ list: this.files[0]!.at.replace(/\.\d+$/, ''), files: this.files.map((f) => f.path) }, 'list file changed: list reloaded');
      } catch (err) {
        // parseListFile validated every line, so this is a bug; keep serving the old list.
        log.error({ err: (err as Error).message }, 'list could not be rebuilt; the previous one stays');
      }
    }
    return this.compiled;
  }

  private async reread(f: FilePart, log: Logger): Promise<boolean> {
    try {
      const s = await stat(f.path);
      checkSize(s);
      const stamp = stampOf(s);
      if (stamp === f.stamp || stamp === f.badStamp) return false;
      let entries: string[];
      try {
        entries = parseListFile(await readFile(f.path, 'utf8'), this.problem);
      } catch (err) {
        f.badStamp = stamp;
        throw err;
      }
      f.stamp = stamp;
      f.entries = entries;
      if (f.problem !== undefined) log.info({ list: f.at, file: f.path }, 'list file readable again');
      f.problem = undefined;
      f.badStamp = undefined;
      return true;
    } catch (err) {
      const problem = (err as Error).message;
      if (problem !== f.problem) {
        log.error({ list: f.at, file: f.path, err: problem }, 'list file could not be read; its last good entries stay in use');
      }
      f.problem = problem;
      return false;
    }
  }

  private compile(): T {
    const entries = [...this.inline, ...this.files.flatMap((f) => f.entries)];
    return this.build(entries);
  }
}
