// Small process and port helpers shared by the integration harnesses.
// Real parts rule: a missing binary or a daemon that does not come up FAILS the test (in CI and
// locally alike); nothing here ever skips. scripts/install-test-deps.sh installs the binaries.
import { execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const PATH_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(':')];

/** Absolute path of an executable, or an error naming the package to install. */
export function requireBinary(name: string, pkg: string): string {
  for (const dir of PATH_DIRS) {
    if (!dir) continue;
    const file = `${dir}/${name}`;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // try the next directory
    }
  }
  throw new Error(`${name} not found: install the Debian package "${pkg}" (scripts/install-test-deps.sh); integration tests never skip`);
}

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs a command to completion; never throws on a non-zero exit (the caller asserts). */
export function run(file: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** A loopback port that was free a moment ago (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** Waits until host:port accepts a TCP connection; `alive` lets a dead child end the wait early. */
export async function waitForPort(port: number, what: string, timeoutMs = 15_000, alive: () => string | null = () => null, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive();
    if (dead) throw new Error(`${what} is not running: ${dead}`);
    if (await canConnect(port, host)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not accept connections on ${host}:${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** SIGTERM to a daemon the tests started, resolved once it has exited; nothing if it is already gone. */
export async function stopChild(proc: ChildProcess | undefined): Promise<void> {
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  await exited;
}
