// A private spamd (SpamAssassin) for the scanner tests: a free loopback port, network tests off
// (-L), no user preferences (-x). Real parts rule (proc.ts): a missing binary or a spamd that
// does not come up fails the test; scripts/install-test-deps.sh installs the Debian package spamd.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort, requireBinary, stopChild, waitForPort } from './proc.js';

export interface SpamdServer {
  /** inet:127.0.0.1:PORT */
  readonly tcp: string;
  readonly port: number;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startSpamd(): Promise<SpamdServer> {
  const spamd = requireBinary('spamd', 'spamd');
  const dir = mkdtempSync(join(tmpdir(), 'thresher-spamd-'));
  const port = await freePort();
  let output = '';
  const args = [`--listen=127.0.0.1:${port}`, '-L', '-x', '--max-children=2', '--min-children=1', `--pidfile=${join(dir, 'spamd.pid')}`, '--syslog=stderr', `--helper-home-dir=${dir}`];
  // spamd will not run its children as root.
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  const proc: ChildProcess = spawn(spamd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => { output += d; });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { output += d; });
  const dead = () => (proc.exitCode !== null || proc.signalCode !== null ? `exited with ${proc.exitCode ?? proc.signalCode}\n${output}` : null);
  await waitForPort(port, 'spamd', 60_000, dead);
  const stop = () => stopChild(proc);
  return {
    tcp: `inet:127.0.0.1:${port}`,
    port,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One spamd for the tests of the calling file. */
export function useSpamd(): () => SpamdServer {
  let server: SpamdServer | undefined;
  beforeAll(async () => {
    server = await startSpamd();
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });
  return () => {
    if (server === undefined) throw new Error('spamd is not running (useSpamd starts it in beforeAll)');
    return server;
  };
}
