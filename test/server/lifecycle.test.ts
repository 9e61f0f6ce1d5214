import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../protocol/index.js';
import { decodeAnswer, mta, type MilterAnswer } from '../../protocol/testing/mta.js';
import { builtinChecks } from '../../src/checks/index.js';
import { parseConfig } from '../../src/config/load.js';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { testPipeline, testServices } from '../support/services.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// Server lifecycle over real sockets: limits, idle timeout, progress, graceful shutdown, unix sockets.

const log = pino({ level: 'silent' });
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A slow check, to hold a message in flight. */
function slowCheck(ms: number): Check {
  return {
    name: 'slow',
    stage: 'eom',
    symbols: { SLOW: { score: 1, description: 'slow' } },
    run: () => new Promise((resolve) => setTimeout(() => resolve([{ symbol: 'SLOW' }]), ms)),
  };
}

async function start(raw: object, checks: Check[] = builtinChecks(parseConfig({})), listen = ['inet:127.0.0.1:0'], logger: Logger = log) {
  const config = parseConfig(raw);
  const engine = new Engine(checks, { services: testServices(), scores: {}, checkTimeoutMs: 10000 });
  server = await startServer({ config, pipeline: { ...testPipeline(config), engine }, log: logger, listen });
  return server;
}

class Raw {
  readonly answers: MilterAnswer[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  private waiters: (() => void)[] = [];
  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      for (const f of this.decoder.push(c)) this.answers.push(decodeAnswer(f));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }
  /** `from`: the local address to connect from (any of 127.0.0.0/8 works on Linux loopback). */
  static open(address: string, from?: string): Promise<Raw> {
    const target = address.startsWith('unix:')
      ? { path: address.slice(5) }
      : { host: '127.0.0.1', port: Number(address.split(':').at(-1)), ...(from ? { localAddress: from } : {}) };
    return new Promise((resolve, reject) => {
      const s = connect(target, () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }
  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Waits until `pred` holds (or the socket closes), at most `ms`. */
  async until(pred: () => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (this.closed || Date.now() > deadline) return;
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  send(...frames: Buffer[]) {
    this.socket.write(Buffer.concat(frames));
  }
  async startMessage() {
    this.send(mta.optneg(6, 0x1ff, 0x1fffff));
    await this.until(() => this.answers.length >= 1);
    this.send(mta.connect('c.example', '4', 1234, '192.0.2.7'), mta.helo('c.example'), mta.mail('<a@x.example>'), mta.rcpt('<b@y.example>'));
    // Well-formed, so the built-in content rules have nothing to say about it.
    this.send(
      mta.header('From', ' A <a@x.example>'),
      mta.header('To', ' B <b@y.example>'),
      mta.header('Date', ' Thu, 1 Jan 2026 12:00:00 +0000'),
      mta.header('Message-ID', ' <1@x.example>'),
      mta.header('Subject', ' t'),
      mta.eoh(),
      mta.body('hello\r\n'),
    );
    await this.until(() => this.answers.length >= 2);
  }
}

describe('server lifecycle', () => {
  it('closes connections beyond max_connections and keeps serving the others', async () => {
    const s = await start({ limits: { max_connections: 2 } });
    const a = await Raw.open(s.addresses[0]!);
    const b = await Raw.open(s.addresses[0]!);
    await new Promise((r) => setTimeout(r, 50));
    const c = await Raw.open(s.addresses[0]!);
    await c.until(() => false, 1000);
    expect(c.closed).toBe(true);
    await a.startMessage();
    expect(a.answers.map((x) => x.kind)).toEqual(['optneg', 'continue']);
    expect(b.closed).toBe(false);
    a.send(mta.abort());
  });

  it('closes an idle connection after idle_timeout_seconds', async () => {
    const s = await start({ limits: { idle_timeout_seconds: 0.3 } });
    const a = await Raw.open(s.addresses[0]!);
    a.send(mta.optneg(6, 0x1ff, 0x1fffff));
    await a.until(() => false, 2000);
    expect(a.closed).toBe(true);
  });

  it('sends PROGRESS while checks run, then the verdict; idle timeout does not fire meanwhile', async () => {
    const s = await start({ limits: { progress_interval_seconds: 0.1, idle_timeout_seconds: 0.2 } }, [...builtinChecks(parseConfig({})), slowCheck(700)]);
    const a = await Raw.open(s.addresses[0]!);
    await a.startMessage();
    a.send(mta.eom());
    await a.until(() => a.answers.some((x) => x.kind === 'addheader' && x.name === 'X-Spam-Result'));
    const progress = a.answers.filter((x) => x.kind === 'progress').length;
    expect(progress).toBeGreaterThanOrEqual(3);
    expect(a.answers).toContainEqual({ kind: 'addheader', name: 'X-Spam-Result', value: ' SLOW (1.0)' });
  });

  it('on close, lets a message in flight finish, closes idle connections at once', async () => {
    const s = await start({ limits: { shutdown_grace_seconds: 5 } }, [...builtinChecks(parseConfig({})), slowCheck(400)]);
    const busy = await Raw.open(s.addresses[0]!);
    const idle = await Raw.open(s.addresses[0]!);
    await busy.startMessage();
    busy.send(mta.eom());
    await new Promise((r) => setTimeout(r, 50));
    const closing = s.close();
    server = undefined;
    await idle.until(() => false, 300);
    expect(idle.closed).toBe(true);
    expect(busy.closed).toBe(false);
    await closing;
    await busy.until(() => false, 1000);
    expect(busy.answers.some((x) => x.kind === 'addheader' && x.name === 'X-Spam-Status')).toBe(true);
    expect(busy.answers.at(-1)).toEqual({ kind: 'continue' });
    expect(busy.closed).toBe(true);
  });

  it('gives up on a message in flight after shutdown_grace_seconds', async () => {
    const s = await start({ limits: { shutdown_grace_seconds: 0.2 } }, [...builtinChecks(parseConfig({})), slowCheck(5000)]);
    const busy = await Raw.open(s.addresses[0]!);
    await busy.startMessage();
    busy.send(mta.eom());
    const started = Date.now();
    await s.close();
    server = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
    await busy.until(() => false, 500);
    expect(busy.closed).toBe(true);
  });

  it('listens on a unix socket with the configured mode, replacing a stale socket file', async () => {
    const path = join(tempDir('sock'), 'milter.sock');
    let s = await start({ unix_socket_mode: '0600' }, builtinChecks(parseConfig({})), [`unix:${path}`]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const live = s;
    await expect(start({}, builtinChecks(parseConfig({})), [`unix:${path}`])).rejects.toThrow(/another process is listening/);
    server = live;
    await s.close();
    writeFileSync(path, 'not a socket');
    await expect(start({}, builtinChecks(parseConfig({})), [`unix:${path}`])).rejects.toThrow(/not a socket/);
    rmSync(path);
    // A socket file whose server is gone, as a crashed run leaves it.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(path).isSocket()).toBe(true);
    s = await start({ unix_socket_mode: '0660' }, builtinChecks(parseConfig({})), [`unix:${path}`]);
    expect(s.addresses).toEqual([`unix:${path}`]);
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const a = await Raw.open(s.addresses[0]!);
    await a.startMessage();
    expect(a.answers.map((x) => x.kind)).toEqual(['optneg', 'continue']);
    a.send(mta.abort(), mta.quit());
    await a.until(() => false, 1000);
    expect(a.closed).toBe(true);
  });

  it('closes connections beyond max_connections_per_client from one address; other addresses still connect', async () => {
    const s = await start({ limits: { max_connections_per_client: 2 } });
    const a = await Raw.open(s.addresses[0]!);
    const b = await Raw.open(s.addresses[0]!);
    const c = await Raw.open(s.addresses[0]!);
    await c.until(() => false, 500);
    expect(c.closed).toBe(true);
    const other = await Raw.open(s.addresses[0]!, '127.0.0.2');
    await other.startMessage();
    expect(other.answers.map((x) => x.kind)).toEqual(['optneg', 'continue']);
    expect([a.closed, b.closed]).toEqual([false, false]);
    // A slot freed by a closed connection is free again.
    a.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const again = await Raw.open(s.addresses[0]!);
    await again.startMessage();
    expect(again.answers.map((x) => x.kind)).toEqual(['optneg', 'continue']);
  });

  it('does not count unix-socket peers per client (they have no address)', async () => {
    const path = join(tempDir('sock'), 'milter.sock');
    const s = await start({ limits: { max_connections_per_client: 1 } }, builtinChecks(parseConfig({})), [`unix:${path}`]);
    const a = await Raw.open(s.addresses[0]!);
    const b = await Raw.open(s.addresses[0]!);
    await b.startMessage();
    expect(b.answers.map((x) => x.kind)).toEqual(['optneg', 'continue']);
    expect(a.closed).toBe(false);
  });

  it('logs refused and broken connections once per cause, then their count', async () => {
    const lines: Array<{ msg: string; repeated?: number; peer?: string; code?: string }> = [];
    const capture = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const s = await start({ limits: { max_connections: 3 } }, builtinChecks(parseConfig({})), ['inet:127.0.0.1:0'], capture);
    // Three connections each send a frame of length 0: three protocol errors, one line.
    const broken = await Promise.all([1, 2, 3].map(() => Raw.open(s.addresses[0]!)));
    for (const r of broken) r.send(Buffer.from([0, 0, 0, 0]));
    for (const r of broken) await r.until(() => false, 1000);
    expect(broken.every((r) => r.closed)).toBe(true);
    const held = await Promise.all([1, 2, 3].map(() => Raw.open(s.addresses[0]!)));
    await new Promise((r) => setTimeout(r, 100));
    const refused = await Promise.all([1, 2, 3, 4, 5].map(() => Raw.open(s.addresses[0]!)));
    for (const r of refused) await r.until(() => false, 1000);
    expect(refused.every((r) => r.closed)).toBe(true);
    expect(held.some((r) => r.closed)).toBe(false);
    const byMsg = (msg: string) => lines.filter((l) => l.msg === msg);
    expect(byMsg('protocol error; closing connection')).toEqual([expect.objectContaining({ code: 'FRAME_EMPTY' })]);
    expect(byMsg('too many connections; refusing')).toEqual([expect.objectContaining({ peer: '127.0.0.1' })]);
    await s.close();
    server = undefined;
    // Shutdown writes the counts of the interval not yet over.
    expect(byMsg('protocol error; closing connection').map((l) => l.repeated)).toEqual([undefined, 2]);
    expect(byMsg('too many connections; refusing').map((l) => l.repeated)).toEqual([undefined, 4]);
  });
});
