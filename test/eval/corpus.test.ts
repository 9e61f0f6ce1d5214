import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evalMessage, loadSamples } from '../../src/eval/corpus.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

const limits = { maxScanBytes: 1024 * 1024, maxHeaders: 1000 };

describe('loadSamples', () => {
  it('labels, names sources, cleans each message and counts a path given twice once', async () => {
    const root = tempDir('corpus');
    const spam = join(root, 'box', 'spam');
    mkdirSync(spam, { recursive: true });
    writeFileSync(join(spam, 'a.eml'), 'From: a@example.org\nX-Spam-Flag: YES\nSubject: cheap pills\n\nbuy cheap pills\n');
    const problems: string[] = [];
    const samples = await loadSamples(
      [
        { path: spam, label: 'spam' },
        { path: join(spam, 'a.eml'), label: 'ham' },
      ],
      { limits, keepArtefacts: false, onProblem: (path, reason) => problems.push(`${path}: ${reason}`) },
    );
    expect(samples).toHaveLength(1);
    const [s] = samples;
    expect(s!.source).toBe('box');
    expect(s!.label).toBe('spam');
    expect(s!.raw.toString()).toBe('From: a@example.org\r\nSubject: cheap pills\r\n\r\nbuy cheap pills\r\n');
    expect(s!.tokens.length).toBeGreaterThan(0);
    expect(s!.learnId).toMatch(/^[0-9a-f]{64}$/);
    expect(problems).toEqual([`${join(spam, 'a.eml')}: given more than once; counted once, with its first label`]);
  });

  it('skips what is not a message (empty, binary, no header block) with a problem line', async () => {
    const dir = join(tempDir('corpus'), 'spam');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.eml'), 'From: a@example.org\nSubject: cheap pills\n\nbuy cheap pills\n');
    writeFileSync(join(dir, 'empty.eml'), '');
    writeFileSync(join(dir, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    const problems: string[] = [];
    const samples = await loadSamples([{ path: dir, label: 'spam' }], { limits, keepArtefacts: false, onProblem: (path, reason) => problems.push(`${path}: ${reason}`) });
    expect(samples.map((s) => s.path)).toEqual([join(dir, 'a.eml')]);
    expect(problems).toEqual([
      `${join(dir, 'empty.eml')}: empty, not a message; skipped`,
      `${join(dir, 'image.png')}: not a message: it does not start with a header field (Name: value); skipped`,
    ]);
  });
});

describe('evalMessage', () => {
  it('takes the envelope sender from Return-Path, or leaves it empty', () => {
    expect(evalMessage(Buffer.from('Return-Path: <bounce@example.org>\r\nFrom: x@example.net\r\n\r\nhi\r\n'), limits).sender?.address).toBe('bounce@example.org');
    expect(evalMessage(Buffer.from('Return-Path: <>\r\n\r\nhi\r\n'), limits).sender?.address).toBe('');
    expect(evalMessage(Buffer.from('From: x@example.net\r\n\r\nhi\r\n'), limits).sender?.address).toBe('');
  });
});
