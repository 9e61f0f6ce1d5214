// A private redis-server for the store tests: a free loopback port, a temporary directory, no
// persistence. Real parts rule (proc.ts): a missing binary or a server that does not come up
// fails the test; scripts/install-test-deps.sh installs the Debian package redis-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort, requireBinary, stopChild, waitForPort } from './proc.js';

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:PORT/0 */
  readonly url: string;
  /** Stops the server (SIGTERM, then waits for it to exit); the port stays this server's to restart on. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence). */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const binary = requireBinary('redis-server', 'redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'thresher-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    log = '';
    const proc = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => { log += d; });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
    child = proc;
    const dead = () => (proc.exitCode !== null || proc.signalCode !== null ? `exited with ${proc.exitCode ?? proc.signalCode}\n${log}` : null);
    await waitForPort(port, 'redis-server', 15_000, dead);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopChild(proc);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop,
    restart: start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A redis-server for the tests of the calling file or describe block: started before them,
 * disposed after them. The object answers for the running server once the hooks have run.
 */
export function useRedis(): RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.dispose();
  });
  const running = (): RedisServer => {
    if (server === undefined) throw new Error('redis-server is not running (useRedis starts it in beforeAll)');
    return server;
  };
  return {
    get port() {
      return running().port;
    },
    get url() {
      return running().url;
    },
    stop: () => running().stop(),
    restart: () => running().restart(),
    dispose: () => running().dispose(),
  };
}
