// Issue 12, defect 6: a SIGHUP sent as soon as the port answers ended the server, because the
// handler was installed after listening. Both the single process and the cluster primary.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MtaClient } from '../../protocol/testing/mta-client.js';
import { freePort } from './support/proc.js';
import { MAIN } from './support/thresher.js';

/**
 * Starts the server on a unix socket and a port, sends SIGHUP the moment the socket file
 * appears (inotify: microseconds after bind, well before the old handler was installed, where
 * polling the port missed the window most of the time), and reports what followed.
 */
async function hupAtListen(workers: number): Promise<{ alive: boolean; served: boolean; log: string }> {
  const dir = mkdtempSync('/tmp/thresher-early-signal-');
  const config = `${dir}/thresher.yaml`;
  writeFileSync(config, 'thresholds:\n  spam: 5\n');
  const port = await freePort();
  const socketDir = `${dir}/run`;
  mkdirSync(socketDir);
  const listen = ['--listen', `unix:${socketDir}/milter.sock`, '--listen', `inet:127.0.0.1:${port}`];
  const child = spawn(process.execPath, [MAIN, 'serve', ...listen, '--config', config, '--data-dir', `${dir}/data`, '--workers', String(workers)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let hupSent = false;
  const watcher = watch(socketDir, (_event, name) => {
    if (name !== 'milter.sock' || hupSent) return;
    hupSent = true;
    child.kill('SIGHUP');
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 20_000;
    while (!hupSent) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not listen\n${log}`);
      await sleep(20);
    }
    // Every worker reloads once it is ready; before the fix, the process was gone instead.
    const reloads = () => log.match(/"msg":"configuration reloaded"/g)?.length ?? 0;
    while (reloads() < workers && child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(20);
    await sleep(200);
    const alive = child.exitCode === null && child.signalCode === null;
    let served = false;
    if (alive) {
      const c = await MtaClient.connect('127.0.0.1', port);
      await c.negotiate();
      served = (await c.sendMessage({
        connect: { hostname: 'client.example', address: '192.0.2.9', port: 40000 },
        helo: 'client.example',
        from: '<a@example.org>',
        rcpts: ['<b@example.net>'],
        headers: [['Subject', ' early']],
        body: 'hello\r\n',
      })).final === 'continue';
      c.close();
    }
    return { alive, served, log };
  } finally {
    watcher.close();
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SIGHUP right as the port starts listening', { timeout: 90_000 }, () => {
  it('does not end the single process (--workers 1), which reloads once started', async () => {
    for (let round = 0; round < 2; round++) {
      const r = await hupAtListen(1);
      expect(r.alive, r.log).toBe(true);
      expect(r.served).toBe(true);
      expect(r.log).toContain('"msg":"configuration reloaded"');
    }
  });

  it('does not end the primary or a worker (--workers 2)', async () => {
    const r = await hupAtListen(2);
    expect(r.alive, r.log).toBe(true);
    expect(r.served).toBe(true);
    expect(r.log).not.toContain('worker died');
    expect(r.log.match(/"msg":"configuration reloaded"/g)?.length, r.log).toBe(2);
    expect(r.log).toContain('"msg":"SIGHUP: every worker reloads its configuration"');
  });
});
