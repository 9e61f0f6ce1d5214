// `serve --workers 2` as a real process tree: SIGHUP reaches every worker, SIGTERM drains every
// worker, a killed worker is replaced while the listening socket keeps accepting.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { mta } from '../../protocol/testing/mta.js';
import { MtaClient, type MessageSpec } from '../../protocol/testing/mta-client.js';
import { freePort } from './support/proc.js';
import { errorRecords, MAIN, startThresher, type Thresher } from './support/thresher.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const SPEC: MessageSpec = {
  connect: { hostname: 'client.example', address: '192.0.2.9', port: 40000 },
  helo: 'client.example',
  from: '<a@example.org>',
  rcpts: ['<b@example.net>'],
  headers: [['Subject', ' workers']],
  body: `${GTUBE}\r\n`,
};

let t: Thresher | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

type Rec = Record<string, unknown>;

/** Waits until `pick` finds something in the log records, or fails with the server's output. */
async function waitFor<T>(server: Thresher, what: string, pick: (records: Rec[]) => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick(server.records());
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${server.output()}`);
    await sleep(20);
  }
}

const byMsg = (msg: string) => (r: Rec) => r.msg === msg;
/** Worker ids of the workers' records with this msg (the primary's carry no worker id). */
const workersThat = (records: Rec[], msg: string) =>
  new Set(records.filter((r) => r.msg === msg && r.worker !== undefined).map((r) => r.worker as number));

/**
 * Starts `serve --workers 2` and waits until the primary says both workers are ready, and the
 * workers' own ready lines are out: each process writes its log asynchronously, so a worker's
 * line may reach stdout after the primary's, which follows the worker's message over IPC.
 */
async function startTwo(configYaml: string): Promise<Thresher> {
  t = await startThresher(configYaml, { workers: 2 });
  const server = t;
  await waitFor(server, 'the primary ready line', (rs) => rs.find((r) => r.msg === 'thresher ready' && r.primary !== undefined));
  await waitFor(server, 'both workers ready lines', (rs) => (workersThat(rs, 'thresher ready').size === 2 ? true : undefined));
  return server;
}

async function sendOne(port: number, timeoutMs = 10_000) {
  const c = await MtaClient.connect('127.0.0.1', port, { timeoutMs });
  try {
    await c.negotiate();
    return await c.sendMessage(SPEC);
  } finally {
    c.close();
  }
}

describe('serve --workers 2', { timeout: 60_000 }, () => {
  it('logs one ready line per worker, with its id and pid, and one from the primary', async () => {
    const server = await startTwo('');
    const ready = server.records().filter(byMsg('thresher ready'));
    const workers = ready.filter((r) => r.worker !== undefined);
    expect(workers.map((r) => r.worker).sort()).toEqual([1, 2]);
    expect(new Set(workers.map((r) => r.pid)).size).toBe(2);
    expect(workers.every((r) => r.pid !== server.pid)).toBe(true);
    expect(ready.filter((r) => r.primary === server.pid)).toEqual([expect.objectContaining({ workers: 2 })]);
    expect(errorRecords(server)).toEqual([]);
  });

  it('passes SIGHUP to every worker: each reloads, and every worker serves with the new config', async () => {
    const server = await startTwo('thresholds:\n  spam: 5\n');
    expect((await sendOne(server.port)).final).toBe('continue');
    writeFileSync(server.configPath, 'workers: 3\nthresholds:\n  spam: 5\n  reject: 20\n');
    const before = server.records().length;
    server.signal('SIGHUP');
    await waitFor(server, 'a reload by both workers', (rs) => (workersThat(rs.slice(before), 'configuration reloaded').size === 2 ? true : undefined));
    // The number of workers is read at start only; each worker says so.
    const restartOnly = server.records().slice(before).filter(byMsg('reload: these settings take effect only after a restart'));
    expect(restartOnly.map((r) => [r.worker, r.keys]).sort()).toEqual([[1, ['workers']], [2, ['workers']]]);

    // Connections until both workers have decided at least one message; every one is rejected.
    const after = server.records().length;
    for (let i = 0; i < 40 && workersThat(server.records().slice(after), 'message decided').size < 2; i++) {
      const r = await sendOne(server.port);
      expect(r.final).toBe('replycode');
      expect(r.replyText).toBe('550 5.7.1 Message rejected as spam');
      await sleep(10);
    }
    const decided = server.records().slice(after).filter(byMsg('message decided'));
    expect(new Set(decided.map((r) => r.worker)).size).toBe(2);
    expect(decided.every((r) => r.action === 'reject')).toBe(true);
  });

  it('on SIGTERM every worker drains: the message in flight completes, then the primary exits 0', async () => {
    const server = await startTwo('limits:\n  shutdown_grace_seconds: 10\n');
    const c = await MtaClient.connect('127.0.0.1', server.port);
    await c.negotiate();
    await c.send(Buffer.concat([
      mta.connect('client.example', '4', 40000, '192.0.2.9'),
      mta.helo('client.example'),
      mta.mail('<a@example.org>'),
      mta.rcpt('<b@example.net>'),
      mta.header('Subject', ' in flight'),
      mta.eoh(),
      mta.body('hello\r\n'),
    ]));
    expect((await c.nextAnswer()).kind).toBe('continue'); // the body chunk: the message is in flight

    server.signal('SIGTERM');
    const draining = await waitFor(server, 'both workers stopping', (rs) => (workersThat(rs, 'stopping').size === 2 ? true : undefined));
    expect(draining).toBe(true);
    // The idle worker is gone at once; the busy one waits for its message.
    await waitFor(server, 'one worker stopped', (rs) => (workersThat(rs, 'stopped').size === 1 ? true : undefined));
    await sleep(300);
    expect(workersThat(server.records(), 'stopped').size).toBe(1);

    await c.send(mta.eom());
    const answers = [];
    for (let a = await c.nextAnswer(); ; a = await c.nextAnswer()) {
      answers.push(a.kind);
      if (a.kind !== 'addheader' && a.kind !== 'progress') break;
    }
    expect(answers.at(-1)).toBe('continue');
    expect(answers).toContain('addheader');
    c.close();

    expect(await server.stop()).toBe(0);
    expect(workersThat(server.records(), 'stopped').size).toBe(2);
    expect(server.records().filter((r) => r.msg === 'stopped' && r.primary === server.pid)).toHaveLength(1);
    expect(errorRecords(server)).toEqual([]);
  });

  it('replaces a worker killed with SIGKILL; the listening socket never refuses a connection meanwhile', async () => {
    const server = await startTwo('');
    const readyWorkers = server.records().filter((r) => r.msg === 'thresher ready' && r.worker !== undefined);
    const victim = readyWorkers[0]!;
    const outcomes: { startedAt: number; result: string }[] = [];
    let looping = true;
    // One MTA connection after another, each a whole message, for as long as the test runs.
    const loop = (async () => {
      while (looping) {
        const startedAt = Date.now();
        let result: string;
        try {
          const r = await sendOne(server.port, 3000);
          result = r.final === 'replycode' || r.final === 'continue' ? 'served' : r.final;
        } catch (err) {
          result = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        }
        outcomes.push({ startedAt, result });
      }
    })();

    await sleep(300);
    process.kill(victim.pid as number, 'SIGKILL');
    const died = await waitFor(server, 'the primary noticing the death', (rs) => rs.find((r) => r.msg === 'worker died; replacing it'));
    const noticedAt = Date.now();
    expect(died).toMatchObject({ worker: victim.worker, pid: victim.pid, signal: 'SIGKILL', wasReady: true });
    const replacement = await waitFor(server, 'the replacement ready', (rs) => rs.find((r) => r.msg === 'thresher ready' && r.worker === 3));
    const replacedAt = Date.now();
    const started = server.records().find((r) => r.msg === 'worker started' && r.worker === 3);
    expect(started).toMatchObject({ pid: replacement.pid });
    // Keep going until the replacement has served messages too.
    await waitFor(server, 'the replacement serving', (rs) => rs.find((r) => r.msg === 'message decided' && r.worker === 3));
    await sleep(300);
    looping = false;
    await loop;

    expect(outcomes.filter((o) => o.result === 'ECONNREFUSED')).toEqual([]);
    // Only a connection the killed worker held can fail: those began before its death was noticed.
    const failed = outcomes.filter((o) => o.result !== 'served');
    expect(failed.filter((o) => o.startedAt >= noticedAt)).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(2);
    // Everything after the replacement was served (whether a message fell in the short window
    // while it started depends on timing, so that is not asserted).
    expect(outcomes.filter((o) => o.startedAt >= replacedAt).every((o) => o.result === 'served')).toBe(true);
    expect(server.records().filter(byMsg('worker died; replacing it'))).toHaveLength(1);
  });
});

/** Runs `serve` to its end; resolves with its exit code, stdout and stderr. */
function runServe(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve ${args.join(' ')} still running after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('serve --workers 2 at start', { timeout: 90_000 }, () => {
  it('refuses a config the checks refuse in the primary, once, before forking', async () => {
    const dir = mkdtempSync('/tmp/thresher-workers-');
    // Valid for the schema; the engine refuses it (an unknown symbol's score).
    writeFileSync(`${dir}/bad.yaml`, 'workers: 2\nscores:\n  NO_SUCH_SYMBOL: 1\n');
    const r = await runServe(['--config', `${dir}/bad.yaml`, '--listen', `inet:127.0.0.1:${await freePort()}`, '--data-dir', `${dir}/data`]);
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`thresher: ${dir}/bad.yaml: scores: unknown symbol NO_SUCH_SYMBOL\n`);
    expect(r.stdout).not.toContain('worker started');
  });

  it('gives up with a clear error when workers keep dying before they are ready, spacing the restarts', async () => {
    // A unix socket in a folder that does not exist: the primary has nothing to check there
    // (an inet address in use it refuses itself, before forking), so every worker fails to listen.
    const dir = mkdtempSync('/tmp/thresher-workers-');
    try {
      const r = await runServe(['--workers', '2', '--listen', `unix:${dir}/missing/milter.sock`, '--data-dir', `${dir}/data`]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('thresher: 3 workers in a row exited before they were ready (the last with 2); giving up');
      const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Rec);
      const forks = records.filter(byMsg('worker started')).map((x) => Date.parse(x.time as string));
      expect(forks).toHaveLength(3);
      // The replacement waits for the back-off: two failures in a row, 4 s after the last fork.
      expect(forks[2]! - forks[1]!).toBeGreaterThanOrEqual(1000);
      expect(records.filter(byMsg('worker died; replacing it')).map((x) => x.wasReady)).toEqual([false, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listens on a unix socket from every worker, replacing a stale socket file once', async () => {
    const dir = mkdtempSync('/tmp/thresher-workers-');
    const path = `${dir}/milter.sock`;
    // A socket file whose server is gone, as a crashed run leaves it.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(path).isSocket()).toBe(true);
    t = await startThresher('', { workers: 2, alsoListen: [`unix:${path}`] });
    const server = t;
    await waitFor(server, 'the primary ready line', (rs) => rs.find((r) => r.msg === 'thresher ready' && r.primary !== undefined));
    const listening = server.records().filter((r) => r.msg === 'listening');
    expect(listening.map((r) => r.worker).sort()).toEqual([1, 2]);
    expect(listening.every((r) => (r.listen as string[]).includes(`unix:${path}`))).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(path, () => s.write(mta.optneg(6, 0x1ff, 0x1fffff)));
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d);
      });
      s.once('error', reject);
    });
    expect(answer[4]).toBe(0x4f); // 'O': SMFIC_OPTNEG answered
    expect(errorRecords(server)).toEqual([]);
    expect(await server.stop()).toBe(0);
    expect(existsSync(path)).toBe(false);
  });
});
