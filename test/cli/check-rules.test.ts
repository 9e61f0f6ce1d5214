import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// Admin rules end to end through the built CLI (scripts/test.sh builds before the tests).
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

const dir = tempDir('rules');
// An empty data directory: never the default /var/lib/thresher, and no learned Bayes store.
const dataDir = join(dir, 'data');
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const config = write('rules.yaml', `
rules:
  header:
    - name: SUBJ_VIAGRA
      header: Subject
      match: contains
      value: viagra
      score: 3.5
      description: Subject mentions viagra
  body:
    - name: ADMIN_LOTTERY
      match: regex
      value: 'you\\s+have\\s+won'
      score: 2
scores:
  ADMIN_LOTTERY: 2.5
`);
const wellFormed = 'From: a@example.org\r\nTo: b@example.net\r\nDate: Thu, 1 Jan 2026 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n';
const spam = write('spam.eml', wellFormed + [
  'Subject: =?utf-8?Q?Cheap_VIAGRA?=', 'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable', '', '<p>You <b>have</b> w=', 'on!</p>', '',
].join('\r\n'));
const clean = write('clean.eml', `${wellFormed}Subject: lunch\r\n\r\nSee you at noon.\r\n`);
const check = (...args: string[]) => run(process.execPath, [CLI, 'check', '--data-dir', dataDir, ...args]);
const ADMIN_SYMBOLS = new Set(['SUBJ_VIAGRA', 'ADMIN_LOTTERY']);

describe('thresher check with admin rules', () => {
  it('shows the rules\' symbols with --json, scores overridden by config', async () => {
    const { stdout } = await check('--json', '--config', config, spam, clean);
    const [s, c] = stdout.trim().split('\n').map((l) => JSON.parse(l));
    // The built-in content rules have their say too ("you have won" is also BODY_LOTTERY); only the admin's are under test.
    expect(s.symbols.filter((x: { name: string }) => ADMIN_SYMBOLS.has(x.name)).map(({ name, score }: { name: string; score: number }) => ({ name, score }))).toEqual([{ name: 'SUBJ_VIAGRA', score: 3.5 }, { name: 'ADMIN_LOTTERY', score: 2.5 }]);
    expect(s.action).toBe('mark');
    expect(c.symbols).toEqual([]);
  });

  it('prints the rule description in text output', async () => {
    const { stdout } = await check('--config', config, spam);
    expect(stdout).toMatch(/SUBJ_VIAGRA\s+3\.5\s+Subject mentions viagra/);
  });
});

describe('thresher config check with admin rules', () => {
  const fails = async (yaml: string) => {
    const file = write(`bad-${Math.random().toString(36).slice(2)}.yaml`, yaml);
    const e = (await run(process.execPath, [CLI, 'config', 'check', file]).catch((x: unknown) => x)) as { code: number; stderr: string };
    expect(e.code).toBe(1);
    return e.stderr;
  };

  it('names a rule whose regex RE2 refuses', async () => {
    const stderr = await fails('rules:\n  body:\n    - {name: BODY_X, match: regex, value: "(a)\\\\1", score: 1}\n');
    expect(stderr).toContain('rules.body.0.value: not a valid RE2 regex');
  });

  it('names a rule that takes a built-in symbol name', async () => {
    const stderr = await fails('rules:\n  header:\n    - {name: GTUBE, header: Subject, match: contains, value: x, score: 1}\n');
    expect(stderr).toContain('rules.header.0.name: GTUBE is a built-in symbol');
  });
});
