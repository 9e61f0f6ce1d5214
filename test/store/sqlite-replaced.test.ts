// SQLite state files deleted or replaced under a running process (issue 12): the stores notice
// (inode/device of the path against the open file), reopen, and say so; an empty file and an
// unopenable path are named in one line.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { openStores } from '../../src/store/open.js';
import { SqliteKeyValueStore } from '../../src/store/sqlite-kv.js';
import { SqliteTokenStore, type ExpirySettings } from '../../src/store/sqlite-tokens.js';
import { removeTempDirs, tempDir as tempDirNamed } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

/** The built store (the child process runs dist/, which the test setup keeps fresh). */
const STORE_MODULE = fileURLToPath(new URL('../../dist/src/store/sqlite-tokens.js', import.meta.url));

const expiry: ExpirySettings = { maxTokens: 1_000_000, maxAgeDays: 90, rareCount: 2, keepLearnedDays: 365, pruneEveryLearns: 1000 };
const tempDir = () => tempDirNamed('replaced');

/** A logger that keeps what it was told. */
function recorder() {
  const lines: { level: string; msg: string; fields: object }[] = [];
  const at = (level: string) => (fields: object, msg: string) => { lines.push({ level, msg, fields }); };
  return { lines, log: { warn: at('warn'), info: at('info'), error: at('error') } };
}

const removeDb = (file: string) => {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
};

describe('SqliteTokenStore.reopenIfReplaced', () => {
  it('does nothing while the file is the one it opened', async () => {
    const store = SqliteTokenStore.open(join(tempDir(), 'bayes.sqlite'), { expiry });
    await store.learn('m1', ['a'], 'spam');
    expect(store.reopenIfReplaced()).toBe(false);
    expect(await store.totals()).toEqual({ spam: 1, ham: 0 });
    await store.close();
  });

  it('reopens a file replaced by another (a restored backup) and reads the new one', async () => {
    const dir = tempDir();
    const file = join(dir, 'bayes.sqlite');
    const { lines, log } = recorder();
    const running = SqliteTokenStore.open(file, { expiry, log });
    await running.learn('m1', ['old'], 'spam');
    expect((await running.counts(['old'])).size).toBe(1); // cached
    const backup = SqliteTokenStore.open(join(dir, 'backup.sqlite'), { expiry });
    await backup.learn('b1', ['restored'], 'ham');
    await backup.learn('b2', ['restored'], 'ham');
    await backup.close();
    renameSync(join(dir, 'backup.sqlite'), file);
    expect(running.reopenIfReplaced()).toBe(true);
    expect(await running.totals()).toEqual({ spam: 0, ham: 2 });
    expect(Object.fromEntries(await running.counts(['old', 'restored']))).toEqual({ restored: { spam: 0, ham: 2 } });
    expect(lines).toEqual([{ level: 'info', msg: 'Bayes token store file was replaced: reopened', fields: { file } }]);
    await running.close();
  });

  it('recreates a deleted file, empty, and warns that what was learned is gone', async () => {
    const file = join(tempDir(), 'bayes.sqlite');
    const { lines, log } = recorder();
    const running = SqliteTokenStore.open(file, { expiry, log });
    await running.learn('m1', ['gone'], 'spam');
    removeDb(file);
    expect(running.reopenIfReplaced()).toBe(true);
    expect(await running.totals()).toEqual({ spam: 0, ham: 0 });
    await running.learn('m2', ['new'], 'ham');
    await running.close();
    const reread = SqliteTokenStore.open(file, { expiry });
    expect(await reread.totals()).toEqual({ spam: 0, ham: 1 });
    await reread.close();
    expect(lines.map((l) => l.msg)).toEqual(['Bayes token store file was deleted while running: created a new empty one (nothing learned)']);
  });

  it('warns when the file it opens exists but is empty (0 bytes)', async () => {
    const file = join(tempDir(), 'bayes.sqlite');
    writeFileSync(file, '');
    const { lines, log } = recorder();
    const store = SqliteTokenStore.open(file, { expiry, log });
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual(['warn Bayes token store file was empty (0 bytes): created a new empty store (nothing learned)']);
    await store.close();
  });

  it('names the path and the cause in one line when the file cannot be opened', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const file = join(dir, 'not-a-dir', 'data', 'bayes.sqlite');
    expect(() => SqliteTokenStore.open(file, { expiry })).toThrow(`${file}: cannot open: a parent is not a directory (ENOTDIR)`);
    const missing = join(dir, 'nothing-here.sqlite');
    expect(() => SqliteTokenStore.open(missing, { expiry, create: false })).toThrow(`${missing}: cannot open: no such file or directory (ENOENT)`);
  });

  it('says permission denied for a directory it may not write', () => {
    // Root may write anywhere, so the open runs in a child process: as root, one without the
    // capabilities that override file permissions (setpriv, util-linux), in a directory owned by
    // nobody; as any other user, in a directory of its own without write permission.
    const dir = tempDir();
    const file = join(dir, 'bayes.sqlite');
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(dir, 65534, 65534);
    chmodSync(dir, 0o500);
    const script = `import(${JSON.stringify(pathToFileURL(STORE_MODULE).href)}).then(({ SqliteTokenStore }) => {
      try { SqliteTokenStore.open(${JSON.stringify(file)}, { expiry: ${JSON.stringify(expiry)} }); console.log('opened'); } catch (err) { console.log(err.message); }
    })`;
    const [cmd, args] = asRoot ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, '-e', script]] : [process.execPath, ['-e', script]];
    const out = execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    expect(out).toBe(`${file}: cannot open: permission denied (EACCES)`);
  });
});

describe('SqliteKeyValueStore.reopenIfReplaced', () => {
  it('recreates a deleted state file and keeps working', async () => {
    const file = join(tempDir(), 'state.sqlite');
    const { lines, log } = recorder();
    const store = SqliteKeyValueStore.open(file, { create: true, log });
    await store.set('k', 'v');
    removeDb(file);
    expect(store.reopenIfReplaced()).toBe(true);
    expect(await store.get('k')).toBeUndefined();
    await store.set('k', 'v2');
    expect(await store.get('k')).toBe('v2');
    expect(lines.map((l) => l.level)).toEqual(['warn']);
    await store.close();
  });
});

describe('openStores with a watch timer', () => {
  it('notices a deleted token file by itself', async () => {
    const dir = tempDir();
    const { lines, log } = recorder();
    const stores = await openStores(parseConfig({}), { dataDir: dir, create: true, log, watchEveryMs: 20 });
    await stores.tokens!.learn('m1', ['x'], 'spam');
    removeDb(join(dir, 'bayes.sqlite'));
    for (let i = 0; i < 100 && lines.length === 0; i++) await sleep(20);
    expect(lines.map((l) => l.msg)).toContain('Bayes token store file was deleted while running: created a new empty one (nothing learned)');
    expect(await stores.tokens!.totals()).toEqual({ spam: 0, ham: 0 });
    await stores.close();
  });
});
