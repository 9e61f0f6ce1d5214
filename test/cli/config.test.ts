import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// Runs the built CLI (npm run build first): `thresher config check` and `thresher config symbols`.
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const thresher = (...args: string[]) => run(process.execPath, [CLI, ...args]);
type Failed = { code: number; stdout: string; stderr: string };
const failed = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a non-zero exit'), (e: unknown) => e as Failed);

const dir = tempDir('config-cli');
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('thresher config check: what serve refuses', () => {
  it('refuses a listen address serve could not bind: port out of range, relative unix path', async () => {
    const file = write('listen.yaml', 'listen: ["inet:127.0.0.1:99999", "unix:thresher.sock"]\n');
    const e = await failed(thresher('config', 'check', file));
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('listen.0: port 99999 out of range');
    expect(e.stderr).toContain('listen.1: unix socket path must be absolute');
  });
});

describe('thresher config check: warnings', () => {
  const risky = write('risky.yaml', 'thresholds: { spam: 6, reject: 4, discard: 30 }\nlimits: { idle_timeout_seconds: 60 }\n');

  it('passes with a warning per legal but dangerous setting, each naming its path', async () => {
    const { stdout, stderr } = await thresher('config', 'check', risky);
    expect(stdout).toBe(`${risky}: OK (3 warnings)\n`);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`${risky}: warning: thresholds.reject: 4 is below the spam threshold (6): mail not judged spam is refused`);
    expect(lines[1]).toMatch(/warning: thresholds\.discard: mail scoring 30 or more is accepted and silently dropped/);
    expect(lines[2]).toMatch(/warning: limits\.idle_timeout_seconds: 60 s is below Postfix's smtpd_timeout/);
  });

  it('--strict makes warnings errors', async () => {
    const e = await failed(thresher('config', 'check', '--strict', risky));
    expect(e.code).toBe(1);
    expect(e.stdout).toBe('');
    expect(e.stderr).toContain(`${risky}: refused: 3 warnings with --strict`);
  });

  it('a negative spam threshold is one warning, said in the singular', async () => {
    const file = write('negative.yaml', 'thresholds: { spam: -2 }\n');
    const { stdout, stderr } = await thresher('config', 'check', file);
    expect(stdout).toBe(`${file}: OK (1 warning)\n`);
    expect(stderr).toContain('thresholds.spam: -2 means a message no check found anything against (score 0) is spam');
  });

  it('--strict passes a config without warnings', async () => {
    const file = write('sane.yaml', 'thresholds: { reject: 15 }\n');
    expect((await thresher('config', 'check', '--strict', file)).stdout).toBe(`${file}: OK\n`);
  });
});

describe('thresher config symbols', () => {
  const config = write('symbols.yaml', 'scores: { GTUBE: 500, HDR_MISSING_DATE: 0.25 }\ndisabled_symbols: [NOT_FULLY_SCANNED]\n');
  interface Row { name: string; check: string; stage: string; default: number; score: number; disabled: boolean; description: string }

  it('--json: every symbol with its check, stage, default and effective score', async () => {
    const rows = JSON.parse((await thresher('config', 'symbols', '--json', '--config', config)).stdout) as Row[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.size).toBe(rows.length);
    expect(byName.get('GTUBE')).toEqual({ name: 'GTUBE', check: 'gtube', stage: 'eom', default: 1000, score: 500, disabled: false, description: 'Body contains the GTUBE test string' });
    expect(byName.get('HDR_MISSING_DATE')).toMatchObject({ default: 1, score: 0.25, disabled: false });
    expect(byName.get('NOT_FULLY_SCANNED')).toMatchObject({ check: 'scan-limit', disabled: true });
    expect(byName.get('CHECK_FAILED')).toMatchObject({ check: 'engine', stage: 'any' });
    expect(byName.get('BAYES_99')).toMatchObject({ check: 'bayes', stage: 'eom' });
    // Without overrides the effective score is the default.
    const defaults = JSON.parse((await thresher('config', 'symbols', '--json')).stdout) as Row[];
    expect(defaults.length).toBe(rows.length);
    expect(defaults.every((r) => r.score === r.default && !r.disabled)).toBe(true);
  });

  it('text: an aligned table that marks changed and disabled symbols', async () => {
    const lines = (await thresher('config', 'symbols', '--config', config)).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SYMBOL +CHECK +STAGE +DEFAULT +SCORE +NOTE +DESCRIPTION$/);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.split(/ {2,}/);
    expect(row('GTUBE')).toEqual(['GTUBE', 'gtube', 'eom', '1000.0', '500.0', 'changed', 'Body contains the GTUBE test string']);
    expect(row('HDR_MISSING_DATE').slice(3, 6)).toEqual(['1.0', '0.25', 'changed']);
    expect(row('NOT_FULLY_SCANNED').slice(3, 6)).toEqual(['0.0', '-', 'disabled']);
    // The description column starts at the same place on every line.
    const at = lines[0]!.indexOf('DESCRIPTION');
    expect(lines.filter((l) => l.length > at && l[at - 1] !== ' ')).toEqual([]);
  });

  it('a config error is one line and exit 2', async () => {
    const e = await failed(thresher('config', 'symbols', '--config', join(dir, 'missing.yaml')));
    expect(e.code).toBe(2);
    expect(e.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
