// Two `thresher learn` processes on one data directory at once (issue 12): the second writer
// waits for the first's write lock instead of dying with "SqliteError: database is locked",
// and every message of both ends up learned.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

/** Runs the CLI to its end; resolves with its exit code and output whatever the code. */
function thresher(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** `n` distinct messages in `dir`, each with words of its own so every batch writes many tokens. */
function writeMessages(dir: string, kind: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 80 }, (_, w) => `${kind}${i}x${w}`).join(' ');
    writeFileSync(join(dir, `${i}.eml`), `From: a${i}@${kind}.example\nMessage-ID: <${kind}${i}@example.org>\nSubject: ${kind} ${i}\n\n${words}\n`);
  }
}

describe('two thresher learn processes on one data directory', () => {
  it('both finish, and every message of both is learned', { timeout: 120_000 }, async () => {
    const root = tempDir('learn-concurrent');
    const data = join(root, 'data');
    const config = join(root, 'thresher.yaml');
    writeFileSync(config, `data_dir: ${data}\n`);
    // Several 500-message batches each, so the two writers' transactions interleave.
    writeMessages(join(root, 'spam'), 'spam', 1500);
    writeMessages(join(root, 'ham'), 'ham', 1500);
    const [spam, ham] = await Promise.all([
      thresher('learn', '--config', config, '--spam', join(root, 'spam')),
      thresher('learn', '--config', config, '--ham', join(root, 'ham')),
    ]);
    expect(spam.stderr).toBe('');
    expect(ham.stderr).toBe('');
    expect([spam.code, ham.code]).toEqual([0, 0]);
    expect(spam.stdout).toContain('learned 1500, unchanged 0');
    expect(ham.stdout).toContain('learned 1500, unchanged 0');
    const again = await thresher('learn', '--config', config, '--spam', join(root, 'spam'));
    expect(again.stdout).toContain('learned 0, unchanged 1500');
    expect(again.stdout).toContain(': 1500 spam, 1500 ham, ');
  });
});

describe('thresher learn while another process holds the write lock past busy_timeout', () => {
  it('says so in one line and exits 75, without a stack trace', { timeout: 60_000 }, async () => {
    const root = tempDir('learn-locked');
    const data = join(root, 'data');
    const config = join(root, 'thresher.yaml');
    writeFileSync(config, `data_dir: ${data}\n`);
    writeMessages(join(root, 'spam'), 'spam', 3);
    expect((await thresher('learn', '--config', config, '--spam', join(root, 'spam'))).code).toBe(0);
    // The lock is taken by another process: this one's event loop must stay free to run the CLI.
    const holder = execFile(process.execPath, ['-e', `
      const db = new (require('better-sqlite3'))(process.argv[1]);
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, 30000);
    `, join(data, 'bayes.sqlite')], { cwd: resolve(import.meta.dirname, '../..') });
    await new Promise<void>((ready) => holder.stdout!.on('data', () => ready()));
    writeMessages(join(root, 'more'), 'more', 3);
    const locked = await thresher('learn', '--config', config, '--spam', join(root, 'more'));
    holder.kill();
    expect(locked.code).toBe(75);
    expect(locked.stderr).toBe(`thresher learn: ${join(data, 'bayes.sqlite')}: another process holds the write lock (waited 5 s); the batches learned before are kept, try again\n`);
  });
});
