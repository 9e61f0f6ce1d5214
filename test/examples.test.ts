// Everything in examples/ and the docs' reference pages is checked against the code, so
// documentation cannot drift from the schema and the CLI unnoticed.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GTUBE } from '../src/checks/gtube.js';
import { defaultConfigYaml } from '../src/config/defaults-yaml.js';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { configSchema, limitsSchema } from '../src/config/schema.js';
import { removeTempDirs, tempDir } from './support/temp-dirs.js';

afterAll(removeTempDirs);

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8');

const readme = read('README.md');
const configurationDoc = read('docs/configuration.md');
const cliDoc = read('docs/cli.md');
const cliSource = read('src/cli/main.ts');
const defaults = parseConfig({});
const DEFAULT_PORT = /:(\d+)$/.exec(defaults.listen[0]!)![1]!;

/** Keys of a zod object schema, looking through .prefault()/.default() wrappers. */
function keysOf(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown };
  while (s.shape === undefined && typeof s.unwrap === 'function') s = s.unwrap() as typeof s;
  if (s.shape === undefined) throw new Error('not an object schema');
  return Object.keys(s.shape);
}

/** The nested object keys of the config: thresholds, replies (limits is listed on its own). */
const nestedObjects = ['limits', 'thresholds', 'replies', 'headers'] as const;

/** `serve` → its option flags as declared in src/cli/main.ts (`--listen`, `--config`, ...). */
function cliOptions(command: string): string[] {
  const start = cliSource.indexOf(`.command('${command}')`);
  expect(start, `command ${command} in src/cli/main.ts`).toBeGreaterThanOrEqual(0);
  const end = cliSource.indexOf('.action(', start);
  const block = cliSource.slice(start, end);
  return [...block.matchAll(/\.option\('(?:-\w, )?(--[\w-]+)/g)].map((m) => m[1]!);
}

describe('examples/thresher.yaml', () => {
  it('is exactly the built-in defaults', async () => {
    const loaded = await loadConfig(`${root}/examples/thresher.yaml`);
    expect(loaded).toEqual(defaults);
  });

  it('is what `thresher config defaults` prints, generated from the schema', () => {
    expect(read('examples/thresher.yaml')).toBe(defaultConfigYaml());
  });

  it('writes out every key of the schema, so it documents them all', () => {
    const raw = parse(read('examples/thresher.yaml')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(raw).sort()).toEqual(keysOf(configSchema).sort());
    for (const name of nestedObjects) {
      expect(Object.keys(raw[name]!).sort(), name).toEqual(keysOf(configSchema.shape[name]).sort());
    }
  });
});

describe('examples/postfix-main.cf', () => {
  const cf = read('examples/postfix-main.cf');
  const setting = (name: string) => new RegExp(`^${name}\\s*=\\s*(.+)$`, 'm').exec(cf)?.[1]?.trim();

  it('points smtpd_milters and non_smtpd_milters at the default listener', () => {
    expect(setting('smtpd_milters')).toBe(defaults.listen[0]);
    expect(setting('smtpd_milters')).toContain(`:${DEFAULT_PORT}`);
    expect(setting('non_smtpd_milters')).toBe('$smtpd_milters');
    expect(setting('milter_protocol')).toBe('6');
    expect(setting('milter_default_action')).toMatch(/^(accept|tempfail)$/);
  });

  it('gives Postfix a content timeout above Thresher\'s progress interval and check timeout', () => {
    const content = Number(/^(\d+)s$/.exec(setting('milter_content_timeout') ?? '')?.[1]);
    expect(content).toBeGreaterThan(defaults.limits.progress_interval_seconds);
    expect(content).toBeGreaterThan(defaults.limits.check_timeout_seconds);
  });
});

describe('examples/sendmail.mc', () => {
  it('declares the filter on the default address', () => {
    const mc = read('examples/sendmail.mc');
    const m = /^INPUT_MAIL_FILTER\(`thresher', `S=inet:(\d+)@([\d.]+), F=[TR], T=([^']+)'\)$/m.exec(mc);
    expect(m).not.toBeNull();
    expect(`inet:${m![2]}:${m![1]}`).toBe(defaults.listen[0]);
  });
});

describe('examples/thresher.service', () => {
  const unit = read('examples/thresher.service');
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1]?.trim();

  it('starts a command with options that exist in the CLI', () => {
    const exec = value('ExecStart')!;
    const m = /^\/usr\/bin\/env thresher (\w+)(.*)$/.exec(exec);
    expect(m, exec).not.toBeNull();
    const [, command, rest] = m!;
    expect(command).toBe('serve');
    const used = [...rest!.matchAll(/(--[\w-]+)/g)].map((x) => x[1]!);
    expect(used).toContain('--config');
    for (const option of used) expect(cliOptions(command!)).toContain(option);
  });

  it('stops with SIGTERM and waits longer than the shutdown grace', () => {
    expect(value('KillSignal')).toBe('SIGTERM');
    const stop = Number(/^(\d+)s?$/.exec(value('TimeoutStopSec') ?? '')?.[1]);
    expect(stop).toBeGreaterThan(defaults.limits.shutdown_grace_seconds);
    expect(value('Type')).toBe('simple');
    expect(value('User')).toBe('thresher');
    expect(value('NoNewPrivileges')).toBe('yes');
    expect(value('ProtectSystem')).toBe('strict');
  });

  it('reloads the configuration on `systemctl reload` by sending SIGHUP to the server', () => {
    expect(value('ExecReload')).toMatch(/^\/(usr\/)?bin\/kill -(HUP|s HUP|SIGHUP) \$MAINPID$/);
  });

  it('makes the default data_dir writable inside its read-only sandbox', () => {
    expect(`/var/lib/${value('StateDirectory')}`).toBe(defaults.data_dir);
  });
});

describe('examples/gtube.eml', () => {
  it('holds the GTUBE string and `thresher check` marks it as spam with the GTUBE symbol only', async () => {
    expect(read('examples/gtube.eml')).toContain(GTUBE.toString('latin1'));
    const dataDir = join(tempDir('gtube'), 'data');
    const cli = join(root, 'dist/src/cli/main.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'check', '--json', '--data-dir', dataDir, join(root, 'examples/gtube.eml')]);
    const verdict = JSON.parse(stdout) as { action: string; symbols: Array<{ name: string }> };
    expect(verdict.action).toBe('mark');
    expect(verdict.symbols.map((s) => s.name)).toEqual(['GTUBE']);
  });

  it('is the message the README and the install guide tell admins to check', () => {
    expect(readme).toContain('thresher check examples/gtube.eml');
    expect(read('docs/install.md')).toContain('thresher check examples/gtube.eml');
  });
});

describe('docs/configuration.md', () => {
  it('mentions every top-level and limits key of the schema', () => {
    for (const key of keysOf(configSchema)) expect(configurationDoc, key).toContain(`\`${key}`);
    for (const key of keysOf(limitsSchema)) expect(configurationDoc, key).toContain(`limits.${key}`);
    for (const name of ['thresholds', 'replies', 'headers'] as const) {
      for (const key of keysOf(configSchema.shape[name])) expect(configurationDoc).toContain(`${name}.${key}`);
    }
  });
});

describe('docs/cli.md', () => {
  it('documents every CLI command and option', () => {
    const options = [...cliOptions('serve'), ...cliOptions('check'), ...cliOptions('learn'), ...cliOptions('eval')];
    expect(options).toEqual(expect.arrayContaining(['--listen', '--config', '--data-dir', '--json']));
    for (const option of options) expect(cliDoc, option).toContain(option);
    for (const command of ['serve', 'check', 'learn', 'eval', 'config check', 'config defaults']) expect(cliDoc).toContain(`thresher ${command}`);
    expect(cliDoc).toContain('--version');
    expect(cliDoc).toContain('--help');
  });
});

describe('README.md', () => {
  it('stays short: what Thresher is, the two commands, the MTA wiring, links', () => {
    expect(readme.split('\n').length).toBeLessThan(250);
  });

  it('wires Postfix and Sendmail with lines the checked examples hold', () => {
    const block = (after: string) => /```\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(after)))![1]!.trim().split('\n');
    const postfix = read('examples/postfix-main.cf').split('\n');
    const postfixLines = block('## Wiring Postfix');
    expect(postfixLines).toContain(`smtpd_milters = ${defaults.listen[0]}`);
    for (const line of postfixLines) expect(postfix, line).toContain(line);
    const sendmailLines = block('## Wiring Sendmail');
    expect(sendmailLines).toHaveLength(1);
    expect(read('examples/sendmail.mc').split('\n')).toContain(sendmailLines[0]);
  });

  it('gives the two commands and the default listener', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain(defaults.listen[0]!);
  });
});
