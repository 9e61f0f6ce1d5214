// Allow and block lists: list files (comments, change re-read, read errors), and the
// precedence of per-recipient lists over the global ones. The CIDR table and the address
// patterns are tested in test/net/.
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listsSchema, type ListsConfig } from '../../src/config/lists.js';
import { ConfigError } from '../../src/config/errors.js';
import type { Check, Hit, Stage } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { emptyResult } from '../../src/engine/result.js';
import { Message } from '../../src/message/message.js';
import { listChecks } from '../../src/checks/lists/index.js';
import { LISTS_DIFFER_REPLY } from '../../src/checks/lists/sender.js';
import { parseListFile } from '../../src/checks/lists/source.js';
import { testServices } from '../support/services.js';
import { ipEntryProblem } from '../../src/net/ip.js';

const silent = pino({ level: 'silent' });
const limits = { maxScanBytes: 1 << 20, maxHeaders: 100 };

const lists = (raw: Record<string, unknown>): ListsConfig => listsSchema.parse(raw);

/** A message as the session builds it: client, sender, accepted recipients then the one being checked. */
function message(opts: { ip?: string; from?: string; rcpts?: string[] }): Message {
  const m = new Message(limits);
  if (opts.ip !== undefined) m.client = { hostname: 'unknown', address: opts.ip, port: 25, family: opts.ip.includes(':') ? 'inet6' : 'inet' };
  if (opts.from !== undefined) m.sender = { address: opts.from, args: [] };
  for (const r of opts.rcpts ?? []) m.recipients.push({ address: r, args: [] });
  return m;
}

async function run(checks: Check[], stage: Stage, m: Message, log = silent): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const c of checks.filter((x) => x.stage === stage)) {
    hits.push(...(await c.run({ message: m, log, signal: new AbortController().signal })));
  }
  return hits;
}

describe('list files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(`${tmpdir()}/thresher-lists-`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses one entry a line, # comments, blank lines, trailing comments', () => {
    const text = '# partners\n\n  192.0.2.0/24   # office\r\n2001:db8::/32\n\t# indented comment\n\n';
    expect(parseListFile(text, ipEntryProblem)).toEqual(['192.0.2.0/24', '2001:db8::/32']);
    // a # inside an entry is part of it (comments follow whitespace)
    expect(() => parseListFile('198.51.100.1#x\n', ipEntryProblem)).toThrow(/line 1: not an IP or CIDR: 198\.51\.100\.1#x/);
    expect(() => parseListFile('a b\n', () => undefined)).toThrow(/line 1: more than one entry/);
    expect(() => parseListFile('ok\n\nbad\n', (e) => (e === 'bad' ? 'not good: bad' : undefined))).toThrow(/line 3: not good: bad/);
  });

  it('uses file entries with inline ones', async () => {
    const file = `${dir}/block.txt`;
    writeFileSync(file, '# spammers\n203.0.113.0/24 # the bad range\n\n');
    const checks = listChecks(lists({ ip_allow: ['192.0.2.1'], ip_block: ['198.51.100.0/24', { file }] }));
    expect(await run(checks, 'connect', message({ ip: '203.0.113.9' }))).toEqual([
      { symbol: 'IP_BLOCKLIST', detail: '203.0.113.0/24', block: '554 5.7.1 Client address blocked' },
    ]);
    expect(await run(checks, 'connect', message({ ip: '192.0.2.1' }))).toEqual([{ symbol: 'IP_ALLOWLIST', detail: '192.0.2.1' }]);
  });

  it('at startup, a missing, unreadable or invalid file is a config error naming it', () => {
    const missing = `${dir}/missing.txt`;
    expect(() => listChecks(lists({ ip_block: ['192.0.2.1', { file: missing }] }))).toThrow(ConfigError);
    expect(() => listChecks(lists({ ip_block: ['192.0.2.1', { file: missing }] }))).toThrow(`lists.ip_block.1: ${missing}: ENOENT`);
    const bad = `${dir}/bad.txt`;
    writeFileSync(bad, 'alice@example.org\n/(a)\\1/\n');
    expect(() => listChecks(lists({ recipients: { 'bob@example.net': { sender_block: [{ file: bad }] } } }))).toThrow(
      new RegExp(`^lists\\.recipients\\.bob@example\\.net\\.sender_block\\.0: ${bad}: line 2: /\\(a\\)\\\\1/: not a valid RE2 regex`),
    );
    expect(() => listChecks(lists({ sender_allow: [{ file: dir }] }))).toThrow(`lists.sender_allow.0: ${dir}: not a regular file`);
    if (process.getuid?.() !== 0) {
      const locked = `${dir}/locked.txt`;
      writeFileSync(locked, 'a@b\n');
      chmodSync(locked, 0);
      expect(() => listChecks(lists({ sender_allow: [{ file: locked }] }))).toThrow(/EACCES/);
    }
  });

  it('re-reads a changed file, at most once per interval; keeps the last good list on errors, and logs', async () => {
    const file = `${dir}/senders.txt`;
    writeFileSync(file, 'eve@spam.example\n');
    let now = 1_000_000;
    const logged: Array<{ level: number; msg: string; err?: string }> = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logged.push(JSON.parse(chunk.toString()) as (typeof logged)[number]);
          done();
        },
      }),
    );
    const checks = listChecks(lists({ sender_block: [{ file }] }), { now: () => now });
    const check = async (from: string) => (await run(checks, 'mail', message({ from }), log)).map((h) => h.detail);

    expect(await check('eve@spam.example')).toEqual(['eve@spam.example']);
    writeFileSync(file, 'eve@spam.example\nmallory@spam.example\n');
    now += 999;
    expect(await check('mallory@spam.example')).toEqual([]); // not checked yet
    now += 1;
    expect(await check('mallory@spam.example')).toEqual(['mallory@spam.example']);
    expect(logged.some((l) => l.msg === 'list file changed: list reloaded')).toBe(true);

    // an invalid version: the last good list stays, one error logged
    writeFileSync(file, 'eve@spam.example\nbad entry here\n');
    now += 1000;
    expect(await check('mallory@spam.example')).toEqual(['mallory@spam.example']);
    now += 1000;
    expect(await check('mallory@spam.example')).toEqual(['mallory@spam.example']);
    const errors = () => logged.filter((l) => l.level >= 50);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]!.err).toMatch(/line 2: more than one entry/);

    // deleted: still the last good list, one more error
    unlinkSync(file);
    now += 1000;
    expect(await check('eve@spam.example')).toEqual(['eve@spam.example']);
    expect(errors()).toHaveLength(2);
    expect(errors()[1]!.err).toMatch(/ENOENT/);

    // re-created: read again
    writeFileSync(file, 'trudy@spam.example\n');
    now += 1000;
    expect(await check('eve@spam.example')).toEqual([]);
    expect(await check('trudy@spam.example')).toEqual(['trudy@spam.example']);
    expect(logged.some((l) => l.msg === 'list file readable again')).toBe(true);
  });
});

describe('IP lists', () => {
  it('registers nothing when every list is empty', () => {
    expect(listChecks(lists({}))).toEqual([]);
    expect(listChecks(lists({ ip_block: ['192.0.2.1'] })).map((c) => [c.name, c.stage])).toEqual([['ip-lists', 'connect']]);
  });

  it('the most specific network wins; allow on a tie', async () => {
    const checks = listChecks(lists({ ip_allow: ['10.0.0.0/8', '192.0.2.5', '198.51.100.0/24'], ip_block: ['10.1.2.3', '192.0.2.0/24', '198.51.100.0/24'] }));
    const symbols = async (ip: string) => (await run(checks, 'connect', message({ ip }))).map((h) => `${h.symbol} ${h.detail}`);
    expect(await symbols('10.9.9.9')).toEqual(['IP_ALLOWLIST 10.0.0.0/8']);
    expect(await symbols('10.1.2.3')).toEqual(['IP_BLOCKLIST 10.1.2.3']);
    expect(await symbols('192.0.2.5')).toEqual(['IP_ALLOWLIST 192.0.2.5']);
    expect(await symbols('192.0.2.6')).toEqual(['IP_BLOCKLIST 192.0.2.0/24']);
    expect(await symbols('198.51.100.1')).toEqual(['IP_ALLOWLIST 198.51.100.0/24']);
    expect(await symbols('::ffff:192.0.2.6')).toEqual(['IP_BLOCKLIST 192.0.2.0/24']);
    expect(await symbols('2001:db8::1')).toEqual([]);
  });

  it('ignores unix-socket and unknown clients', async () => {
    const checks = listChecks(lists({ ip_block: ['0.0.0.0/0', '::/0'] }));
    const m = new Message(limits);
    m.client = { hostname: 'localhost', address: '/var/run/sock', port: 0, family: 'unix' };
    expect(await run(checks, 'connect', m)).toEqual([]);
    expect(await run(checks, 'connect', new Message(limits))).toEqual([]);
  });

  it('scores through the engine: allow is a strong negative score, overridable in scores', async () => {
    const checks = listChecks(lists({ ip_allow: ['192.0.2.0/24'] }));
    for (const [scores, expected] of [[{}, -20], [{ IP_ALLOWLIST: -7 }, -7]] as const) {
      const engine = new Engine(checks, { services: testServices(), scores, checkTimeoutMs: 1000 });
      const result = emptyResult();
      await engine.run('connect', message({ ip: '192.0.2.9' }), result, silent);
      expect(result.symbols).toEqual([{ name: 'IP_ALLOWLIST', score: expected, description: expect.any(String), detail: '192.0.2.0/24' }]);
    }
  });

  it('answers with the configured reply', async () => {
    const checks = listChecks(lists({ ip_block: ['192.0.2.0/24'], replies: { ip_block: '554 5.7.1 Go away' } }));
    expect((await run(checks, 'connect', message({ ip: '192.0.2.1' })))[0]?.block).toBe('554 5.7.1 Go away');
  });
});

describe('sender lists', () => {
  it('global lists at MAIL: allow beats block; the null sender is never matched', async () => {
    const checks = listChecks(lists({ sender_allow: ['ceo@spam.example'], sender_block: ['*@spam.example'] }));
    expect(checks.map((c) => [c.name, c.stage])).toEqual([['sender-lists', 'mail']]);
    expect(await run(checks, 'mail', message({ from: 'ceo@spam.example' }))).toEqual([{ symbol: 'SENDER_ALLOWLIST', detail: 'ceo@spam.example' }]);
    expect(await run(checks, 'mail', message({ from: 'x@SPAM.example' }))).toEqual([
      { symbol: 'SENDER_BLOCKLIST', detail: '*@spam.example', block: '550 5.7.1 Sender address blocked' },
    ]);
    expect(await run(checks, 'mail', message({ from: 'x@ham.example' }))).toEqual([]);
    expect(await run(listChecks(lists({ sender_block: ['*'] })), 'mail', message({ from: '' }))).toEqual([]);
  });

  describe('per recipient', () => {
    const config = lists({
      sender_allow: ['*@partner.example'],
      sender_block: ['*@spam.example'],
      recipients: {
        'bob@example.net': { sender_allow: ['eve@spam.example'], sender_block: ['mallory@partner.example'] },
        '@example.net': { sender_block: ['trudy@partner.example'] },
        'carol@example.net': { sender_allow: ['*@spam.example'] },
      },
    });
    const checks = listChecks(config);
    const rcpt = async (from: string, ...rcpts: string[]) => run(checks, 'rcpt', message({ from, rcpts }));

    it('a per-recipient allow list moves the global block from MAIL to RCPT', async () => {
      expect(checks.map((c) => [c.name, c.stage])).toEqual([['sender-lists', 'mail'], ['recipient-sender-lists', 'rcpt']]);
      expect(Object.keys(checks[0]!.symbols)).toEqual(['SENDER_ALLOWLIST']);
      expect(Object.keys(checks[1]!.symbols)).toContain('SENDER_BLOCKLIST');
      expect(await run(checks, 'mail', message({ from: 'eve@spam.example' }))).toEqual([]);
      // without any per-recipient allow list, the block is answered at MAIL
      const atMail = listChecks(lists({ sender_block: ['*@spam.example'], recipients: { 'bob@example.net': { sender_block: ['x@y'] } } }));
      expect((await run(atMail, 'mail', message({ from: 'eve@spam.example' })))[0]?.symbol).toBe('SENDER_BLOCKLIST');
      expect(Object.keys(atMail.find((c) => c.stage === 'rcpt')!.symbols)).not.toContain('SENDER_BLOCKLIST');
    });

    it('a recipient\'s own allow beats the global block; others are refused with the global reply', async () => {
      expect(await rcpt('eve@spam.example', 'bob@example.net')).toEqual([{ symbol: 'RCPT_SENDER_ALLOWLIST', detail: 'eve@spam.example (bob@example.net)' }]);
      expect(await rcpt('eve@spam.example', 'dave@example.org')).toEqual([{ symbol: 'SENDER_BLOCKLIST', detail: '*@spam.example', block: '550 5.7.1 Sender address blocked' }]);
      expect(await rcpt('eve@spam.example', 'carol@example.net')).toEqual([{ symbol: 'RCPT_SENDER_ALLOWLIST', detail: '*@spam.example (carol@example.net)' }]);
    });

    it('a recipient\'s own block beats the global allow; every matching key applies', async () => {
      expect(await rcpt('mallory@partner.example', 'bob@example.net')).toEqual([
        { symbol: 'RCPT_SENDER_BLOCKLIST', detail: 'mallory@partner.example (bob@example.net)', block: '550 5.7.1 Sender address blocked' },
      ]);
      // the @example.net key applies to bob too
      expect((await rcpt('trudy@partner.example', 'bob@example.net'))[0]?.symbol).toBe('RCPT_SENDER_BLOCKLIST');
      expect((await rcpt('trudy@partner.example', 'zoe@example.net'))[0]?.symbol).toBe('RCPT_SENDER_BLOCKLIST');
      // not listed for this recipient: nothing at RCPT (the global allow scored at MAIL)
      expect(await rcpt('alice@partner.example', 'bob@example.net')).toEqual([]);
      expect(await run(checks, 'mail', message({ from: 'alice@partner.example' }))).toEqual([{ symbol: 'SENDER_ALLOWLIST', detail: '*@partner.example' }]);
    });

    it('defers (452 4.5.3) a recipient whose lists judge the sender unlike the first one\'s', async () => {
      // bob allows eve, dave does not (and the global block refuses dave outright)
      expect((await rcpt('eve@spam.example', 'bob@example.net', 'dave@example.org'))[0]?.symbol).toBe('SENDER_BLOCKLIST');
      // bob and carol both allow eve: same judgement, accepted together
      expect((await rcpt('eve@spam.example', 'bob@example.net', 'carol@example.net'))[0]?.symbol).toBe('RCPT_SENDER_ALLOWLIST');
      // carol allows anyone@spam.example, dave has no list: the allow score must not leak to dave
      const split = listChecks(lists({ recipients: { 'carol@example.net': { sender_allow: ['*@spam.example'] } } }));
      const hits = await run(split, 'rcpt', message({ from: 'eve@spam.example', rcpts: ['dave@example.org', 'carol@example.net'] }));
      expect(hits).toEqual([{ symbol: 'RCPT_LISTS_DIFFER', detail: 'allowed by *@spam.example (carol@example.net), not for dave@example.org', block: LISTS_DIFFER_REPLY }]);
      const back = await run(split, 'rcpt', message({ from: 'eve@spam.example', rcpts: ['carol@example.net', 'dave@example.org'] }));
      expect(back[0]?.block).toMatch(/^452 4\.5\.3 /);
      expect(await run(split, 'rcpt', message({ from: 'eve@spam.example', rcpts: ['dave@example.org', 'erin@example.org'] }))).toEqual([]);
    });

    it('the null sender is never matched', async () => {
      expect(await rcpt('', 'dave@example.org')).toEqual([]);
    });
  });
});
