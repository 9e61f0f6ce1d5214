import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMessages, type ReadOptions } from '../../src/mailbox/read.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

function write(path: string, content: string | Buffer): string {
  writeFileSync(path, content);
  return path;
}

async function collect(paths: string[], opts: Omit<ReadOptions, 'onProblem'> = {}) {
  const problems: { path: string; reason: string }[] = [];
  const messages: { path: string; text: string }[] = [];
  for await (const m of readMessages(paths, { ...opts, onProblem: (path, reason) => problems.push({ path, reason }) })) {
    messages.push({ path: m.path, text: m.raw.toString('latin1') });
  }
  return { messages, problems };
}

const eml = (n: number) => `From: a${n}@example.org\nSubject: message ${n}\n\nbody ${n}\n`;

describe('readMessages', () => {
  it('reads a single message file as it is', async () => {
    const dir = tempDir('mailbox');
    const file = write(join(dir, 'one.eml'), Buffer.from('Subject: x\r\n\r\n\xff\x00 raw bytes\r\n', 'latin1'));
    const { messages, problems } = await collect([file]);
    expect(problems).toEqual([]);
    expect(messages).toEqual([{ path: file, text: 'Subject: x\r\n\r\n\xff\x00 raw bytes\r\n' }]);
  });

  it('walks a directory recursively in name order, skipping dotfiles and dot directories', async () => {
    const dir = tempDir('mailbox');
    mkdirSync(join(dir, 'b'));
    mkdirSync(join(dir, '.hidden'));
    write(join(dir, 'c.eml'), eml(3));
    write(join(dir, 'a.eml'), eml(1));
    write(join(dir, 'b', 'x.eml'), eml(2));
    write(join(dir, '.DS_Store'), 'junk');
    write(join(dir, '.hidden', 'y.eml'), eml(9));
    const { messages } = await collect([dir]);
    expect(messages.map((m) => m.path)).toEqual([join(dir, 'a.eml'), join(dir, 'b', 'x.eml'), join(dir, 'c.eml')]);
    expect(messages[1]!.text).toBe(eml(2));
  });

  it('reads cur/ and new/ of a Maildir, not tmp/', async () => {
    const dir = tempDir('mailbox');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub));
    write(join(dir, 'cur', '1700000000.M1P1.host:2,S'), eml(1));
    write(join(dir, 'new', '1700000001.M2P1.host'), eml(2));
    write(join(dir, 'tmp', '1700000002.M3P1.host'), eml(3));
    const { messages } = await collect([dir]);
    expect(messages.map((m) => m.text)).toEqual([eml(1), eml(2)]);
  });

  it('finds Maildirs nested inside a directory', async () => {
    const dir = tempDir('mailbox');
    const box = join(dir, 'inbox');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(box, sub), { recursive: true });
    write(join(box, 'new', 'm1'), eml(1));
    write(join(box, 'tmp', 'm2'), eml(2));
    const { messages } = await collect([dir]);
    expect(messages.map((m) => m.path)).toEqual([join(box, 'new', 'm1')]);
  });

  it('splits an mbox at From lines, drops separators and un-escapes >From quoting', async () => {
    const dir = tempDir('mailbox');
    const mbox = write(
      join(dir, 'box.mbox'),
      [
        'From alice@example.org Mon Jan  1 00:00:00 2024',
        'Subject: one',
        '',
        '>From the start, a quoted line',
        '>>From twice quoted',
        '> From not a quoted separator',
        '',
        'From bob@example.org Mon Jan  1 00:00:01 2024',
        'Subject: two',
        '',
        'second body',
        '',
      ].join('\n'),
    );
    const { messages, problems } = await collect([mbox]);
    expect(problems).toEqual([]);
    expect(messages).toEqual([
      { path: `${mbox}#1`, text: 'Subject: one\n\nFrom the start, a quoted line\n>From twice quoted\n> From not a quoted separator\n' },
      { path: `${mbox}#2`, text: 'Subject: two\n\nsecond body\n' },
    ]);
  });

  it('splits an mbox with CRLF line ends and no final newline', async () => {
    const dir = tempDir('mailbox');
    const mbox = write(join(dir, 'crlf'), 'From a Mon\r\nSubject: one\r\n\r\nx\r\n\r\nFrom b Tue\r\nSubject: two\r\n\r\ny');
    const { messages } = await collect([mbox]);
    expect(messages.map((m) => m.text)).toEqual(['Subject: one\r\n\r\nx\r\n', 'Subject: two\r\n\r\ny']);
  });

  it('splits an mbox larger than one read chunk, with lines across chunk edges', async () => {
    const dir = tempDir('mailbox');
    const body = `${'word '.repeat(40)}\n`.repeat(2000); // ~400 KB per message
    const parts = [1, 2, 3].map((n) => `From sender${n} Mon\nSubject: ${n}\n\n${body}\n`);
    const mbox = write(join(dir, 'big.mbox'), parts.join(''));
    const { messages } = await collect([mbox]);
    expect(messages.map((m) => m.text)).toEqual([1, 2, 3].map((n) => `Subject: ${n}\n\n${body}`));
  });

  it('reports an oversize message and goes on, in plain files and in mboxes', async () => {
    const dir = tempDir('mailbox');
    const big = write(join(dir, 'a-big.eml'), `Subject: big\n\n${'x'.repeat(5000)}\n`);
    const small = write(join(dir, 'b-small.eml'), eml(1));
    const mbox = write(join(dir, 'c.mbox'), `From a\nSubject: big\n\n${'y'.repeat(5000)}\n\nFrom b\n${eml(2)}`);
    const { messages, problems } = await collect([dir], { maxMessageBytes: 1000 });
    expect(messages.map((m) => m.path)).toEqual([small, `${mbox}#2`]);
    expect(problems.map((p) => p.path)).toEqual([big, `${mbox}#1`]);
    expect(problems[0]!.reason).toMatch(/larger than the limit of 1000 bytes/);
  });

  it('bounds memory on an mbox line longer than the limit and does not split inside it', async () => {
    const dir = tempDir('mailbox');
    const longLine = `${'z'.repeat(600 * 1024)}From inside a long line\n`;
    const mbox = write(join(dir, 'long.mbox'), `From a\nSubject: one\n\n${longLine}From b\n${eml(2)}`);
    const { messages, problems } = await collect([mbox], { maxMessageBytes: 100 * 1024 });
    expect(problems.map((p) => p.path)).toEqual([`${mbox}#1`]);
    expect(messages).toEqual([{ path: `${mbox}#2`, text: eml(2) }]);
  });

  it('still yields the message before a separator line longer than the limit', async () => {
    const dir = tempDir('mailbox');
    const mbox = write(join(dir, 'long-from.mbox'), `From a\n${eml(1)}From ${'x'.repeat(300 * 1024)}\n${eml(2)}`);
    const { messages, problems } = await collect([mbox], { maxMessageBytes: 100 * 1024 });
    expect(messages).toEqual([
      { path: `${mbox}#1`, text: eml(1) },
      { path: `${mbox}#2`, text: eml(2) },
    ]);
    expect(problems).toEqual([]);
  });

  it('reports missing and unreadable paths through onProblem instead of throwing', async () => {
    const dir = tempDir('mailbox');
    const missing = join(dir, 'nope.eml');
    const locked = write(join(dir, 'locked.eml'), eml(1));
    chmodSync(locked, 0o000);
    const fine = write(join(dir, 'fine.eml'), eml(2));
    const { messages, problems } = await collect([missing, locked, fine]);
    expect(messages.map((m) => m.path)).toContain(fine);
    expect(problems[0]!.path).toBe(missing);
    expect(problems[0]!.reason).toMatch(/ENOENT/);
    // Root may read a 000 file; anyone else must get it reported.
    if (process.getuid?.() !== 0) expect(problems.map((p) => p.path)).toContain(locked);
  });

  it('follows a symlink named on the command line but not inside a walked directory', async () => {
    const dir = tempDir('mailbox');
    const real = join(dir, 'real');
    mkdirSync(real);
    write(join(real, 'm.eml'), eml(1));
    const walked = join(dir, 'walked');
    mkdirSync(walked);
    symlinkSync(walked, join(walked, 'loop'));
    symlinkSync(real, join(walked, 'link'));
    const link = join(dir, 'top-link');
    symlinkSync(real, link);
    expect((await collect([walked])).messages).toEqual([]);
    expect((await collect([link])).messages.map((m) => m.text)).toEqual([eml(1)]);
  });
});
