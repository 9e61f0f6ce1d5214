// The `lists` section: defaults, errors that name the path (inline entries at load, list files
// when the checks are built, as `serve`, SIGHUP and `config check` do), and score overrides.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { testEngine } from '../support/services.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

function tmp(name: string, text: string): string {
  const path = join(tempDir('lists-config'), name);
  writeFileSync(path, text);
  return path;
}

function problems(raw: unknown): string {
  try {
    parseConfig(raw, 'thresher.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('lists config', () => {
  it('is empty by default, and then adds no check', () => {
    const c = parseConfig({});
    expect(c.lists).toEqual({
      ip_allow: [],
      ip_block: [],
      sender_allow: [],
      sender_block: [],
      recipients: {},
      replies: { ip_block: '554 5.7.1 Client address blocked', sender_block: '550 5.7.1 Sender address blocked' },
    });
    for (const stage of ['connect', 'helo', 'mail', 'rcpt'] as const) expect(testEngine(c).hasStage(stage), stage).toBe(false);
  });

  it('loads the documented shape from YAML', async () => {
    const path = tmp('thresher.yaml', `
lists:
  ip_allow: ["192.0.2.0/24", "2001:db8::/32"]
  ip_block: ["203.0.113.7"]
  sender_allow: ["*@partner.example", "alice@example.org", "/^bounce-[0-9]+@lists\\\\.example$/"]
  sender_block: ["spam.example"]
  recipients:
    "bob@example.net": { sender_allow: ["eve@spam.example"], sender_block: ["@partner.example"] }
  replies: { sender_block: "550 5.7.1 Not from you" }
`);
    const c = await loadConfig(path);
    expect(c.lists.sender_allow[2]).toBe('/^bounce-[0-9]+@lists\\.example$/');
    expect(c.lists.recipients['bob@example.net']?.sender_block).toEqual(['@partner.example']);
    expect(testEngine(c).checks.map((ch) => `${ch.name}@${ch.stage}`)).toEqual(expect.arrayContaining(['ip-lists@connect', 'sender-lists@mail', 'recipient-sender-lists@rcpt']));
  });

  it('accepts the example of docs/lists.md', () => {
    const page = readFileSync(new URL('../../docs/lists.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(page)?.[1];
    expect(yaml).toBeDefined();
    const c = parseConfig(parse(yaml!), 'docs/lists.md');
    expect(c.lists.recipients['bob@example.net']?.sender_allow).toEqual(['eve@spam.example']);
  });

  it('names the path of every invalid IP entry', () => {
    const msg = problems({ lists: { ip_block: ['192.0.2.0/24', '2001:db8::/129', '300.1.1.1', '192.0.2.1/24/1', 'fe80::1%eth0', 'example.org'], ip_allow: ['10.0.0.0/-1', 7] } });
    expect(msg).toContain('thresher.yaml: invalid configuration');
    expect(msg).toContain('lists.ip_block.1: not an IP or CIDR: 2001:db8::/129');
    expect(msg).toContain('lists.ip_block.2: not an IP or CIDR: 300.1.1.1');
    expect(msg).toContain('lists.ip_block.3: not an IP or CIDR: 192.0.2.1/24/1');
    expect(msg).toContain('lists.ip_block.4: not an IP or CIDR: fe80::1%eth0');
    expect(msg).toContain('lists.ip_block.5: not an IP or CIDR: example.org');
    expect(msg).toContain('lists.ip_allow.0: not an IP or CIDR: 10.0.0.0/-1');
    expect(msg).toMatch(/lists\.ip_allow\.1: /);
    expect(msg).not.toContain('lists.ip_block.0');
  });

  it('names the path of every invalid sender pattern, and refuses regexes RE2 cannot run', () => {
    const msg = problems({
      lists: {
        sender_allow: ['/(a+)\\1/', '/(?<=x)y/', '/open'],
        sender_block: ['a b', 'x@@y'],
        recipients: { 'bob@': { sender_allow: ['ok@example.org'] }, 'carol@example.net': { sender_block: ['/(?!a)/'], sender_blok: [] } },
      },
    });
    expect(msg).toMatch(/lists\.sender_allow\.0: \/\(a\+\)\\1\/: not a valid RE2 regex/);
    expect(msg).toMatch(/lists\.sender_allow\.1: \/\(\?<=x\)y\/: not a valid RE2 regex/);
    expect(msg).toContain('lists.sender_allow.2: a regex must be written /regex/: /open');
    expect(msg).toContain('lists.sender_block.0: not an address pattern: "a b"');
    expect(msg).toContain('lists.sender_block.1: not an address or domain: x@@y');
    expect(msg).toContain('lists.recipients.bob@: recipient key not an address or domain: bob@');
    expect(msg).toMatch(/lists\.recipients\.carol@example\.net\.sender_block\.0: \/\(\?!a\)\/: not a valid RE2 regex/);
    expect(msg).toMatch(/lists\.recipients\.carol@example\.net: Unrecognized key: "sender_blok"/);
  });

  it('refuses unknown keys, relative list files and replies that are not 5xx', () => {
    const msg = problems({ lists: { ip_blocks: [], ip_allow: [{ file: 'allow.txt' }, { path: '/x' }], replies: { ip_block: '451 4.7.1 later', sender_block: '550' } } });
    expect(msg).toMatch(/lists: Unrecognized key: "ip_blocks"/);
    expect(msg).toContain('lists.ip_allow.0.file: expected an absolute path');
    expect(msg).toMatch(/lists\.ip_allow\.1/);
    expect(msg).toContain('lists.replies.ip_block: expected a 5xx SMTP reply such as "554 5.7.1 Client address blocked"');
    expect(msg).toMatch(/lists\.replies\.sender_block: expected a 5xx SMTP reply/);
  });

  it('a missing or invalid list file is a config error naming the config path and the file', () => {
    const missing = join(tmpdir(), 'thresher-no-such-list.txt');
    const c = parseConfig({ lists: { sender_block: ['x@y.example', { file: missing }] } });
    expect(() => testEngine(c)).toThrow(ConfigError);
    expect(() => testEngine(c)).toThrow(`lists.sender_block.1: ${missing}: ENOENT`);
    const bad = tmp('ip.txt', '# ok\n192.0.2.0/24\n\n192.0.2.300\n');
    expect(() => testEngine(parseConfig({ lists: { ip_allow: [{ file: bad }] } }))).toThrow(`lists.ip_allow.0: ${bad}: line 4: not an IP or CIDR: 192.0.2.300`);
  });

  it('scores of the list symbols are set in scores; an allow list defaults to -20', () => {
    const engine = testEngine(parseConfig({ lists: { ip_allow: ['192.0.2.1'], sender_allow: ['a@b.example'] }, scores: { SENDER_ALLOWLIST: -5 } }));
    expect(engine.score('IP_ALLOWLIST')).toBe(-20);
    expect(engine.score('SENDER_ALLOWLIST')).toBe(-5);
  });
});
