import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// Runs the built CLI (scripts/test.sh builds before the tests) as an admin would.
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const dir = tempDir('check');
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
// Every command gets a data directory of its own: never the default /var/lib/thresher, whose
// learned store (on a machine running Thresher) would add BAYES_ symbols.
let dataDirs = 0;
const dataDir = () => join(dir, `data-${++dataDirs}`);
const check = (...args: string[]) => run(process.execPath, [CLI, 'check', '--data-dir', dataDir(), ...args]);
const serve = (...args: string[]) => run(process.execPath, [CLI, 'serve', '--data-dir', dataDir(), ...args]);
// Well-formed, so the built-in content rules have nothing to say about the test messages.
const wellFormed = 'From: a@example.org\r\nTo: b@example.net\r\nDate: Thu, 1 Jan 2026 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n';
/** What a rejected execFile promise carries. */
type Failed = { code: number; stdout: string; stderr: string };
const failed = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a non-zero exit'), (e: unknown) => e as Failed);
/** One line on stderr, no stack trace: what an admin's mistake gets. */
const oneLine = (stderr: string) => {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
};
const clean = write('clean.eml', `${wellFormed}Subject: hi\r\n\r\nHello there.\r\n`);
const gtube = write('gtube.eml', `${wellFormed}Subject: test\r\n\r\n${GTUBE}\r\n`);

describe('thresher check', () => {
  it('prints one JSON line per file with --json', async () => {
    const { stdout } = await check('--json', clean, gtube);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        file: clean,
        score: 0,
        required: 5,
        action: 'accept',
        symbols: [],
        headers: [
          { name: 'X-Spam-Status', value: 'No, score=0.0 required=5.0' },
          { name: 'X-Spam-Result', value: 'none' },
        ],
        recipients: [],
      },
      {
        file: gtube,
        score: 1000,
        required: 5,
        action: 'mark',
        symbols: [{ name: 'GTUBE', score: 1000, description: 'Body contains the GTUBE test string' }],
        headers: [
          { name: 'X-Spam-Status', value: 'Yes, score=1000.0 required=5.0' },
          { name: 'X-Spam-Result', value: 'GTUBE (1000.0)' },
          { name: 'X-Spam-Flag', value: 'YES' },
          { name: 'X-Spam-Level', value: '*'.repeat(50) },
        ],
        recipients: [],
      },
    ]);
  });

  it('explains per recipient under their policies, with the headers that would be added', async () => {
    const config = write(
      'policies.yaml',
      [
        'headers: { subject_prefix: "[SPAM] " }',
        'policies:',
        '  - { name: holds, match: { recipients: ["@hold.example"] }, spam_action: quarantine, thresholds: { reject: null } }',
        '  - { name: lover, match: { recipients: ["fan@example.net"] }, spam_lover: true, subject_tag: false }',
        'thresholds: { reject: 100 }',
      ].join('\n'),
    );
    const { stdout } = await check(
      '--json', '--config', config, '--from', 'x@sender.example', '--ip', '192.0.2.7', '--helo', 'mx.sender.example',
      '--rcpt', 'a@hold.example', '--rcpt', 'fan@example.net', '--rcpt', 'other@example.org', gtube,
    );
    const out = JSON.parse(stdout);
    expect(out.action).toBe('quarantine');
    expect(out.recipients).toEqual([
      { address: 'a@hold.example', policy: 'holds', action: 'quarantine' },
      { address: 'fan@example.net', policy: 'lover', action: 'mark' },
      { address: 'other@example.org', policy: 'default', action: 'reject', reply: '550 5.7.1 Message rejected as spam' },
    ]);
    expect(out.headers).toContainEqual({ name: 'Subject', value: '[SPAM] test' });
    const text = (await check('--config', config, '--rcpt', 'fan@example.net', gtube)).stdout;
    expect(text).toContain('recipient fan@example.net: mark (policy lover)');
    expect(text).toContain('headers added:');
    expect(text).not.toContain('Subject: [SPAM]');
  });

  it('prints verdict and symbols as text, and uses the config thresholds', async () => {
    const config = write('reject.yaml', 'thresholds:\n  reject: 20\n');
    const { stdout } = await check('--config', config, gtube);
    expect(stdout).toContain(`${gtube}: reject (Yes, score=1000.0 required=5.0)`);
    expect(stdout).toMatch(/GTUBE\s+1000\.0\s+Body contains the GTUBE test string/);
  });

  it('reports the scan limit as a symbol', async () => {
    const big = write('big.eml', `${wellFormed}Subject: big\r\n\r\n${'x'.repeat(5000)}\r\n`);
    const config = write('small.yaml', 'limits:\n  max_scan_bytes: 1024\n');
    const { stdout } = await check('--json', '--config', config, big);
    expect(JSON.parse(stdout).symbols).toContainEqual(expect.objectContaining({ name: 'NOT_FULLY_SCANNED', score: 0, description: 'Message larger than the scan limit; only its start was checked' }));
  });

  it('takes the client from the Received relay of a saved message, or from --ip and --hostname', async () => {
    const relayed = write(
      'relayed.eml',
      'Received: from mx.example.net (localhost [127.0.0.1]) by mx.example.net (Postfix) with ESMTP id 1\r\n' +
        'Received: from WINPC (ppp-198-51-100-23.pool.example.com [198.51.100.23]) by mx.example.net (Postfix) with SMTP id 2\r\n' +
        `${wellFormed}Subject: hi\r\n\r\nHello there.\r\n`,
    );
    const names = (stdout: string) => (JSON.parse(stdout) as { symbols: { name: string }[] }).symbols.map((s) => s.name).sort();
    expect(names((await check('--json', relayed)).stdout)).toEqual(['HELO_NOT_FQDN', 'RDNS_DYNAMIC']);
    expect(names((await check('--json', '--ip', '198.51.100.23', '--hostname', 'unknown', '--helo', 'mail.example.org', relayed)).stdout)).toEqual(['RDNS_NONE']);
    expect(names((await check('--json', '--ip', '198.51.100.23', relayed)).stdout)).toEqual([]);
  });


  it('exits 1 and names a file it cannot read, after checking the others; --json says so on stdout too', async () => {
    const missing = join(dir, 'missing.eml');
    const e = (await check('--json', missing, clean).catch((x: unknown) => x)) as Failed;
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^\S*missing\.eml: ENOENT/);
    const [error, scored] = e.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(error).toEqual({ file: missing, error: expect.stringContaining('ENOENT') });
    expect(scored.file).toBe(clean);
  });

  it('only reads the token store: without one it scores without Bayes and creates nothing', async () => {
    const empty = join(dir, 'empty-data');
    mkdirSync(empty);
    const missing = join(dir, 'no-data', 'deeper');
    const configured = join(dir, 'configured-data');
    const config = write('data-dir.yaml', `data_dir: ${configured}\n`);
    for (const args of [['--data-dir', empty], ['--data-dir', missing], ['--config', config]]) {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'check', '--json', ...args, clean]);
      expect(JSON.parse(stdout).symbols, args.join(' ')).toEqual([]);
      expect(stderr).toBe('');
    }
    expect(readdirSync(empty)).toEqual([]);
    expect(existsSync(join(dir, 'no-data'))).toBe(false);
    expect(existsSync(configured)).toBe(false);
  });
});

describe('thresher check: usage mistakes', () => {
  it('a bad --ip is one line and exit 2, no stack trace', async () => {
    const e = await failed(check('--ip', '999.1.1.1', clean));
    expect(e.code).toBe(2);
    expect(e.stderr).toBe('thresher: check --ip 999.1.1.1: not an IP address\n');
  });

  it('--hostname without --ip is one line and exit 2', async () => {
    const e = await failed(check('--hostname', 'unknown', clean));
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('--hostname');
    oneLine(e.stderr);
  });

  it("commander's own usage errors exit 2 too", async () => {
    const e = await failed(check('--no-such-option', clean));
    expect(e.code).toBe(2);
    oneLine(e.stderr);
  });
});

describe('thresher check: what is not a message', () => {
  const binary = write('binary.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x0a, 0x3a, 0x20, 0x0a, 0x0a, 0xff]).toString('latin1'));
  const empty = write('empty.eml', '');
  const nulHeader = write('nul.eml', 'Subject: x\nX-Data: a\0b\n\nbody\n');

  it('reports a binary file, an empty file and NUL bytes in the headers as errors, exit 1, no verdict', async () => {
    const e = await failed(check(binary, empty, nulHeader));
    expect(e.code).toBe(1);
    expect(e.stdout).toBe('');
    expect(e.stderr.trimEnd().split('\n')).toEqual([
      `${binary}: not a message: it does not start with a header field (Name: value)`,
      `${empty}: empty, not a message`,
      `${nulHeader}: not a message: binary data (NUL bytes) in the header block`,
    ]);
  });

  it('--json gives an error object for it and scores the rest', async () => {
    const e = await failed(check('--json', binary, clean));
    expect(e.code).toBe(1);
    const lines = e.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ file: binary, error: 'not a message: it does not start with a header field (Name: value)' });
    expect(lines[1]).toMatchObject({ file: clean, action: 'accept' });
  });
});

describe('thresher check: input', () => {
  it('- reads one message from standard input, an mbox From line included', async () => {
    const child = run(process.execPath, [CLI, 'check', '--json', '--data-dir', dataDir(), '-']);
    child.child.stdin!.end(`From someone@example.org Thu Jan  1 00:00:00 2026\n${wellFormed}Subject: test\r\n\r\n${GTUBE}\r\n`);
    const out = JSON.parse((await child).stdout);
    expect(out).toMatchObject({ file: '<stdin>', action: 'mark' });
    expect(out.symbols.map((s: { name: string }) => s.name)).toEqual(['GTUBE']);
  });

  it('reads folders, Maildirs and mbox files as learn and eval do', async () => {
    const box = join(dir, 'box');
    for (const sub of ['Maildir/cur', 'Maildir/new', 'Maildir/tmp']) mkdirSync(join(box, sub), { recursive: true });
    writeFileSync(join(box, 'Maildir/cur/1:2,S'), `${wellFormed}Subject: test\r\n\r\n${GTUBE}\r\n`);
    writeFileSync(join(box, 'Maildir/new/2'), `${wellFormed}Subject: hi\r\n\r\nHello.\r\n`);
    writeFileSync(join(box, 'Maildir/tmp/3'), 'Subject: half written\n');
    writeFileSync(join(box, 'old.mbox'), `From a@example.org Thu Jan  1 00:00:00 2026\n${wellFormed}Subject: one\n\nHello.\n\nFrom b@example.org Thu Jan  1 00:00:00 2026\n${wellFormed}Subject: two\n\n${GTUBE}\n`);
    const { stdout } = await check('--json', box);
    const seen = stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; action: string });
    expect(seen.map((m) => [m.file.slice(box.length + 1), m.action])).toEqual([
      ['Maildir/cur/1:2,S', 'mark'],
      ['Maildir/new/2', 'accept'],
      ['old.mbox#1', 'accept'],
      ['old.mbox#2', 'mark'],
    ]);
  });

  it('an empty folder is an error: nothing was checked', async () => {
    const nothing = join(dir, 'nothing');
    mkdirSync(nothing);
    const e = await failed(check(nothing));
    expect(e.code).toBe(1);
    expect(e.stderr).toBe(`${nothing}: no messages found\n`);
  });
});

describe('thresher check: the explanation', () => {
  // Many symbols, one with a long name, scores from several checks, some overridden to 0.
  const config = write('explain.yaml', [
    'scores: { HDR_MISSING_DATE: 0, HDR_MISSING_MESSAGE_ID: 1.5, BODY_CLICK_HERE: 0 }',
    'rules:',
    '  body:',
    '    - { name: A_VERY_LONG_RULE_NAME_FOR_THE_COLUMNS, match: contains, value: cheap, score: 0.5, description: Cheap }',
  ].join('\n'));
  const message = write('explain.eml', 'From: a@example.org\r\nTo: b@example.net\r\nSubject: cheap\r\n\r\nClick here for cheap stuff.\r\n');

  it('--json carries each symbol\'s description and detail', async () => {
    const { stdout } = await check('--json', '--config', config, message);
    expect(JSON.parse(stdout).symbols).toContainEqual({ name: 'BODY_CLICK_HERE', score: 0, description: 'Click here (several languages)', detail: expect.stringMatching(/click here/i) });
  });

  it('text: sorted by score then name, columns aligned to the longest name, 0.0 symbols after a line of their own', async () => {
    const { stdout } = await check('--config', config, message);
    const lines = stdout.split('\n');
    const rows = lines.slice(1, lines.indexOf('  headers added:'));
    const separator = rows.indexOf('  not scored (0.0):');
    expect(separator).toBeGreaterThan(0);
    const parse = (row: string) => /^  (\S+) +(-?\d+\.\d) {2}/.exec(row);
    const scored = rows.slice(0, separator).map((r) => parse(r)!);
    const zero = rows.slice(separator + 1).map((r) => parse(r)!);
    expect(scored.map((m) => [m[1], m[2]])).toEqual([
      ['HDR_MISSING_MESSAGE_ID', '1.5'],
      ['A_VERY_LONG_RULE_NAME_FOR_THE_COLUMNS', '0.5'],
    ]);
    expect(zero.map((m) => [m[1], m[2]])).toEqual([['BODY_CLICK_HERE', '0.0'], ['HDR_MISSING_DATE', '0.0']]);
    // Every description starts in the same column.
    const starts = new Set([...scored, ...zero].map((m) => m[0].length));
    expect(starts.size).toBe(1);
  });
});

describe('thresher serve', () => {
  it('does not start with an invalid config, and says where the problem is', async () => {
    const config = write('bad.yaml', 'limits:\n  max_connections: -1\n');
    const err = (await serve('--config', config).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(config);
    expect(err.stderr).toContain('limits.max_connections');
  });
});

describe('thresher serve: checks that refuse their config', () => {
  it('exits 2 with one line naming the file and the problem, no stack trace', async () => {
    const config = write('clash.yaml', 'scores:\n  NO_SUCH_SYMBOL: 2\n');
    const data = join(dir, 'refused-data');
    const e = (await run(process.execPath, [CLI, 'serve', '--data-dir', data, '--listen', 'inet:127.0.0.1:0', '--config', config]).catch((x: unknown) => x)) as { code: number; stderr: string };
    expect(e.code).toBe(2);
    expect(e.stderr).toBe(`thresher: ${config}: scores: unknown symbol NO_SUCH_SYMBOL\n`);
    // A refused config leaves no state behind: the token store is opened only for a config that builds.
    expect(existsSync(data)).toBe(false);
  });
});

describe('Bayes scores without a learned store', () => {
  it('config check and check accept scores for BAYES_* symbols before anything is learned', async () => {
    const config = write('bayes-scores.yaml', 'scores:\n  BAYES_99: 4\n  BAYES_SUBJECT_SPAM: 1\n');
    const { stdout } = await run(process.execPath, [CLI, 'config', 'check', config]);
    expect(stdout).toBe(`${config}: OK\n`);
    const out = JSON.parse((await check('--json', '--config', config, clean)).stdout) as { symbols: { name: string }[] };
    expect(out.symbols.map((s) => s.name).filter((n) => n.startsWith('BAYES_'))).toEqual([]);
  });
});

describe('thresher config', () => {
  it('check: exit 0 and OK for a valid file', async () => {
    const good = write('good.yaml', 'thresholds:\n  quarantine: 12\nheaders:\n  subject_prefix: "[SPAM] "\n');
    const { stdout } = await run(process.execPath, [CLI, 'config', 'check', good]);
    expect(stdout).toBe(`${good}: OK\n`);
  });

  it('check: exit 1 with every error and its path', async () => {
    const bad = write('bad2.yaml', 'thresholds:\n  spam: high\nheaders:\n  forged: drop\nreplies:\n  tempfail: "550 no"\nscores:\n  NO_SUCH_SYMBOL: 1\n');
    const e = (await run(process.execPath, [CLI, 'config', 'check', bad]).catch((x: unknown) => x)) as { code: number; stderr: string };
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('thresholds.spam');
    expect(e.stderr).toContain('headers.forged: Invalid option: expected one of "remove"|"rename"');
    expect(e.stderr).toContain('replies.tempfail: expected a 4xx SMTP reply');
  });

  it('check: an unknown symbol in scores is reported', async () => {
    const bad = write('bad3.yaml', 'scores:\n  NO_SUCH_SYMBOL: 1\n');
    const e = (await run(process.execPath, [CLI, 'config', 'check', bad]).catch((x: unknown) => x)) as { code: number; stderr: string };
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('unknown symbol NO_SUCH_SYMBOL');
  });

  it('defaults: prints a config that loads as the defaults', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'config', 'defaults']);
    const file = write('defaults.yaml', stdout);
    expect((await run(process.execPath, [CLI, 'config', 'check', file])).stdout).toContain('OK');
    expect(stdout).toContain('# Score at or above which the message is refused');
  });
});
