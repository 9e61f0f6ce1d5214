import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// Runs the built CLI as an admin would: learn generated spam and ham, then check a message.
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

const root = tempDir('learn');
const dataDir = join(root, 'data');
const spamDir = join(root, 'spam');
mkdirSync(join(spamDir, 'nested'), { recursive: true });

const spam = (i: number) =>
  `From: "Pharmacy Deals" <deals${i}@shop${i}.example>\nMessage-ID: <spam${i}@shop.example>\nSubject: Cheap pills ${i}\n\n`
  + `Buy cheap pills online now, discount pharmacy offer number ${i}. http://pills${i % 3}.example.net/buy\n`;
const ham = (i: number) =>
  `From: Alice <alice@example.org>\nMessage-ID: <ham${i}@example.org>\nSubject: Re: patch review ${i}\n\n`
  + `The kernel patch series looks fine to me; the meeting is on Thursday, agenda item ${i}.\n`;

for (let i = 0; i < 30; i++) writeFileSync(join(spamDir, i % 2 ? 'nested' : '.', `${i}.eml`), spam(i));
// Ham as one mbox file: the mailbox reader splits it.
const mbox = join(root, 'ham.mbox');
writeFileSync(mbox, Array.from({ length: 30 }, (_, i) => `From alice@example.org Thu Jan  1 00:00:00 2026\n${ham(i)}\n`).join(''));
const config = join(root, 'thresher.yaml');
writeFileSync(config, `data_dir: ${dataDir}\nbayes:\n  min_learned: {spam: 10, ham: 10}\n`);
const probe = join(root, 'probe.eml');
writeFileSync(probe, spam(1000));

type Failure = { code: number; stdout: string; stderr: string };
const thresher = (...args: string[]) => run(process.execPath, [CLI, ...args]);
const bayesSymbols = async (...extra: string[]) => {
  const { stdout } = await thresher('check', '--json', '--config', config, ...extra, probe);
  return (JSON.parse(stdout) as { symbols: { name: string }[] }).symbols.map((s) => s.name).filter((n) => n.startsWith('BAYES_'));
};

describe('thresher learn', () => {
  it('check adds no BAYES_ symbol and creates no state before anything is learned', async () => {
    expect(await bayesSymbols()).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('learns files, directories (recursively) and mbox, and reports what it did', async () => {
    const { stdout } = await thresher('learn', '--config', config, '--spam', spamDir, '--ham', mbox);
    expect(stdout).toMatch(/^60 messages in [\d.]+ s \(\d+\/s\): learned 60, unchanged 0, relearned 0, unreadable 0, not a message 0\n/);
    expect(stdout).toContain(`store ${join(dataDir, 'bayes.sqlite')}: 30 spam, 30 ham,`);
  });

  it('then check --json shows a BAYES_ symbol for new spam', async () => {
    expect(await bayesSymbols()).toEqual(['BAYES_99', 'BAYES_999', 'BAYES_SUBJECT_SPAM']);
  });

  it('learning the same messages again counts them once; as the other class moves them', async () => {
    const again = await thresher('learn', '--config', config, '--spam', spamDir);
    expect(again.stdout).toContain('learned 0, unchanged 30, relearned 0');
    const moved = await thresher('learn', '--config', config, '--ham', join(spamDir, 'nested'));
    expect(moved.stdout).toContain('learned 0, unchanged 0, relearned 15');
    expect(moved.stdout).toContain(': 15 spam, 45 ham,');
  });

  it('--forget unlearns; --data-dir overrides the config', async () => {
    const { stdout } = await thresher('learn', '--config', config, '--forget', '--spam', spamDir);
    expect(stdout).toContain('forgotten 30, not learned before 0');
    expect(stdout).toContain(': 0 spam, 30 ham,');
    expect(await bayesSymbols()).toEqual([]); // below min_learned spam again
    const other = join(root, 'other');
    await thresher('learn', '--data-dir', other, '--config', config, '--spam', spamDir);
    expect(existsSync(join(other, 'bayes.sqlite'))).toBe(true);
  });

  it('reports an unreadable path, goes on, and exits 1', async () => {
    const failed = await thresher('learn', '--config', config, '--ham', join(root, 'missing'), mbox).then(
      () => undefined,
      (err: Failure) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('missing');
    expect(failed?.stdout).toContain('unchanged 30');
    expect(failed?.stdout).toContain('unreadable 1');
  });

  it('an empty folder: one line, exit 1, no store created', async () => {
    const empty = join(root, 'empty');
    const fresh = join(root, 'fresh-empty');
    mkdirSync(empty);
    const failed = await thresher('learn', '--config', config, '--data-dir', fresh, '--spam', empty).then(() => undefined, (err: Failure) => err);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toBe(`thresher learn: no messages found in ${empty}\n`);
    expect(existsSync(fresh)).toBe(false);
  });

  it('skips and counts an empty file, a binary file and a text file that are not messages; exits 1', async () => {
    const mixed = join(root, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'a.eml'), spam(2000));
    writeFileSync(join(mixed, 'b-empty.eml'), '');
    writeFileSync(join(mixed, 'c-image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    writeFileSync(join(mixed, 'd-notes.txt'), 'shopping list\nmilk\n');
    const fresh = join(root, 'fresh-mixed');
    const failed = await thresher('learn', '--config', config, '--data-dir', fresh, '--spam', mixed).then(() => undefined, (err: Failure) => err);
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toMatch(/^1 message in [\d.]+ s \(\d+\/s\): learned 1, unchanged 0, relearned 0, unreadable 0, not a message 3\n/);
    expect(failed?.stdout).toContain(': 1 spam, 0 ham,');
    expect(failed?.stderr.split('\n').filter(Boolean)).toEqual([
      `${join(mixed, 'b-empty.eml')}: empty, not a message; skipped`,
      `${join(mixed, 'c-image.png')}: not a message: it does not start with a header field (Name: value); skipped`,
      `${join(mixed, 'd-notes.txt')}: not a message: it does not start with a header field (Name: value); skipped`,
    ]);
  });

  it('refuses to run without --spam or --ham', async () => {
    await expect(thresher('learn', '--config', config)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('give --spam and/or --ham') });
  });
});
