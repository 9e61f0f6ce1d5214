import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

function file(text: string): string {
  const dir = tempDir('config');
  const path = join(dir, 'thresher.yaml');
  writeFileSync(path, text);
  return path;
}

describe('config', () => {
  it('has built-in defaults without a file', async () => {
    const c = await loadConfig();
    expect(c.listen).toEqual(['inet:127.0.0.1:11332']);
    expect(c.thresholds).toMatchObject({ tag: null, spam: 5, quarantine: null, tempfail: null, reject: null, discard: null });
    expect(c.limits.max_frame_bytes).toBe(1024 * 1024);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('loads a YAML file and keeps defaults for what it does not set', async () => {
    const c = await loadConfig(file('thresholds:\n  reject: 15\nlimits:\n  max_connections: 20\n'));
    expect(c.thresholds).toMatchObject({ spam: 5, reject: 15 });
    expect(c.limits.max_connections).toBe(20);
    expect(c.limits.idle_timeout_seconds).toBe(300);
  });

  it('names the file, the path and what is allowed', async () => {
    const path = file('limits:\n  max_conections: 20\nthresholds:\n  spam: high\nlisten: ["tcp:1.2.3.4"]\n');
    const err = await loadConfig(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(path);
    expect(msg).toMatch(/limits: Unrecognized key: "max_conections"/);
    expect(msg).toMatch(/thresholds\.spam: .*number/);
    expect(msg).toMatch(/listen\.0: expected inet:HOST:PORT/);
  });

  it('refuses a zero limit instead of turning it off', () => {
    expect(() => parseConfig({ limits: { max_scan_bytes: 0 } })).toThrow(/limits\.max_scan_bytes/);
  });

  it('refuses a non-5xx reject reply', () => {
    expect(() => parseConfig({ replies: { reject: '450 try later' } })).toThrow(/replies\.reject/);
  });

  it('reports YAML syntax errors with the file name and never evaluates tags', async () => {
    const bad = file('limits: [\n');
    await expect(loadConfig(bad)).rejects.toThrow(bad);
    const tagged = file('listen: !!js/function "function(){}"\n');
    await expect(loadConfig(tagged)).rejects.toThrow(ConfigError);
  });

  it('reports a missing file', async () => {
    await expect(loadConfig('/nonexistent/thresher.yaml')).rejects.toThrow(/cannot read/);
  });
});

describe('store and redis keys', () => {
  it('default to the embedded SQLite store and a thresher: prefix', () => {
    const c = parseConfig({});
    expect(c.store).toBe('sqlite');
    expect(c.redis).toEqual({ key_prefix: 'thresher:', timeout_ms: 500 });
  });

  it('accept redis:// and rediss:// URLs', () => {
    expect(parseConfig({ store: 'redis://10.0.0.5:6379/2' }).store).toBe('redis://10.0.0.5:6379/2');
    expect(parseConfig({ store: 'rediss://:secret@cache.example:6380' }).store).toBe('rediss://:secret@cache.example:6380');
  });

  it('refuse anything else with an error naming the key', () => {
    for (const bad of ['mysql://db/1', 'redis', 'redis://', 'redis://host:6379/x', 'SQLite']) {
      expect(() => parseConfig({ store: bad })).toThrow(/\n {2}store: expected sqlite, redis:\/\/HOST:PORT\/DB or rediss:\/\/HOST:PORT\/DB/);
    }
    expect(() => parseConfig({ redis: { timeout_ms: 0 } })).toThrow(/redis\.timeout_ms/);
  });
});
