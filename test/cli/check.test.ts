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
        symbols: [{ name: 'GTUBE', score: 1000 }],
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
    expect(JSON.parse(stdout).symbols).toContainEqual({ name: 'NOT_FULLY_SCANNED', score: 0 });
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
    const err = (await check('--json', '--hostname', 'unknown', relayed).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('--hostname');
  });

  it('exits 1 and names a file it cannot read, after checking the others', async () => {
    const err = await check('--json', join(dir, 'missing.eml'), clean).catch((e: unknown) => e);
    const e = err as { code: number; stderr: string; stdout: string };
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('missing.eml');
    expect(JSON.parse(e.stdout).file).toBe(clean);
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
