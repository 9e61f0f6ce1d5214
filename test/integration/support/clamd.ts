// A private clamd for the scanner tests: a free loopback port and a unix socket, a signature
// database the test builds with sigtool in a temp dir (freshclam cannot download here): the
// EICAR test file and a signature of our own. Real parts rule (proc.ts): a missing binary or a
// clamd that does not come up fails the test; scripts/install-test-deps.sh installs clamav-daemon.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { freePort, requireBinary, stopChild } from './proc.js';

/** The EICAR anti-virus test file (68 bytes), assembled so this source is not itself flagged. */
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');
/** The tests' own signature: a string no real message contains. */
export const CUSTOM_SIGNATURE_TEXT = 'THRESHER-CUSTOM-TEST-SIGNATURE-7f3a2c';
export const CUSTOM_SIGNATURE_NAME = 'Thresher.Test.Custom';

export interface ClamdOptions {
  /** clamd's StreamMaxLength; default 2M. */
  streamMaxLength?: string;
  /** clamd's MaxFileSize with AlertExceedsMax (a file larger than it is Heuristics.Limits.Exceeded); default 300K. */
  maxFileSize?: string;
}

export interface ClamdServer {
  /** inet:127.0.0.1:PORT */
  readonly tcp: string;
  /** unix:/path/clamd.sock */
  readonly unix: string;
  readonly port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

function hexOf(text: string, sigtool: string): string {
  return execFileSync(sigtool, ['--hex-dump'], { input: text }).toString().trim();
}

/** clamd's answer to zPING on the port, or null. */
function ping(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (v: string | null) => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => s.write('zPING\0'));
    s.on('data', (d) => {
      text += d.toString();
      if (text.includes('\0')) done(text.replace(/\0.*$/s, ''));
    });
    s.once('error', () => done(null));
    s.setTimeout(1000, () => done(null));
  });
}

export async function startClamd(o: ClamdOptions = {}): Promise<ClamdServer> {
  const clamd = requireBinary('clamd', 'clamav-daemon');
  const sigtool = requireBinary('sigtool', 'clamav');
  const dir = mkdtempSync(join(tmpdir(), 'thresher-clamd-'));
  const port = await freePort();
  const socket = join(dir, 'clamd.sock');
  writeFileSync(join(dir, 'thresher-test.ndb'), [`Eicar-Test-Signature:0:*:${hexOf(EICAR, sigtool)}`, `${CUSTOM_SIGNATURE_NAME}:0:*:${hexOf(CUSTOM_SIGNATURE_TEXT, sigtool)}`, ''].join('\n'));
  const conf = join(dir, 'clamd.conf');
  writeFileSync(
    conf,
    [
      `DatabaseDirectory ${dir}`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `LocalSocket ${socket}`,
      'Foreground yes',
      `LogFile ${join(dir, 'clamd.log')}`,
      `TemporaryDirectory ${dir}`,
      `StreamMaxLength ${o.streamMaxLength ?? '2M'}`,
      `MaxFileSize ${o.maxFileSize ?? '300K'}`,
      'AlertExceedsMax yes',
      'AlertEncrypted yes',
      'SelfCheck 3600',
      ...(process.getuid?.() === 0 ? ['User root'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const proc = spawn(clamd, ['--config-file', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => { output += d; });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => { output += d; });
    child = proc;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`clamd exited with ${proc.exitCode ?? proc.signalCode}:\n${output}`);
      if ((await ping(port)) === 'PONG') return;
      if (Date.now() > deadline) throw new Error(`clamd did not answer zPING on 127.0.0.1:${port} within 60 s:\n${output}`);
      await sleep(100);
    }
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopChild(proc);
    rmSync(socket, { force: true });
  };

  await start();
  return {
    tcp: `inet:127.0.0.1:${port}`,
    unix: `unix:${socket}`,
    port,
    stop,
    restart: start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One clamd for the tests of the calling file, started before them and disposed after. */
export function useClamd(o: ClamdOptions = {}): () => ClamdServer {
  let server: ClamdServer | undefined;
  beforeAll(async () => {
    server = await startClamd(o);
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });
  return () => {
    if (server === undefined) throw new Error('clamd is not running (useClamd starts it in beforeAll)');
    return server;
  };
}
