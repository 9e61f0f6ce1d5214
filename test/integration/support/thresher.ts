// Runs the built server (`node dist/src/cli/main.js serve`) as a child process on a free loopback
// port with a given YAML config, collects its JSON log lines, and stops it with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForPort } from './proc.js';

export const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

export interface Thresher {
  readonly port: number;
  /** The pid of the process started (the primary with --workers 2 or more); its memory is in /proc/PID/status. */
  readonly pid: number;
  /** Postfix smtpd_milters syntax. */
  readonly postfixSpec: string;
  /** libmilter / miltertest syntax. */
  readonly libmilterSpec: string;
  /** The config file it was started with (rewrite it, then `signal('SIGHUP')` to reload). */
  readonly configPath: string;
  signal(sig: NodeJS.Signals): void;
  /** Resolves once a log record with this msg appears (after `after` records), or rejects. */
  waitForLog(msg: string, after?: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Raw stdout lines so far. */
  readonly lines: string[];
  /** Parsed JSON log records so far (lines that are not JSON are kept in `lines` only). */
  records(): Array<Record<string, unknown>>;
  /** Stdout and stderr so far, for failure messages. */
  output(): string;
  /** SIGTERM; resolves with the exit code (null if killed by a signal or after the timeout). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface ThresherOptions {
  /**
   * `serve --workers`; default 1, the single process, so that a test that waits for one log
   * line (a reload) knows the process that serves its next connection logged it.
   */
  workers?: number;
  /** More `--listen` specs besides its loopback port, e.g. a unix socket. */
  alsoListen?: string[];
}

export async function startThresher(configYaml: string, { workers = 1, alsoListen = [] }: ThresherOptions = {}): Promise<Thresher> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} does not exist: run "npm run build" first (scripts/test.sh does)`);
  const dir = mkdtempSync('/tmp/thresher-server-');
  const config = `${dir}/thresher.yaml`;
  writeFileSync(config, configYaml);
  const port = await freePort();
  // Its own data directory (the Bayes store), removed with the rest: never /var/lib/thresher.
  const child: ChildProcess = spawn(process.execPath, [MAIN, 'serve', '--listen', `inet:127.0.0.1:${port}`, ...alsoListen.flatMap((l) => ['--listen', l]), '--config', config, '--data-dir', `${dir}/data`, '--workers', String(workers)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = () => `--- thresher stdout ---\n${[...lines, partial].join('\n')}\n--- thresher stderr ---\n${stderr.join('')}`;
  const dead = () => (child.exitCode !== null || child.signalCode !== null ? `exited with ${child.exitCode ?? child.signalCode}\n${output()}` : null);

  let stopped: Promise<number | null> | null = null;
  const stop = (timeoutMs = 15_000) => {
    stopped ??= (async () => {
      if (!dead()) child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
      rmSync(dir, { recursive: true, force: true });
      if (code !== 'timeout') return code;
      child.kill('SIGKILL');
      await exited;
      return null;
    })();
    return stopped;
  };

  try {
    await waitForPort(port, 'thresher', 15_000, dead);
  } catch (err) {
    await stop(2000);
    throw err;
  }
  const records = () => lines.flatMap((l) => {
    try {
      const v: unknown = JSON.parse(l);
      return v && typeof v === 'object' ? [v as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
  const waitForLog = async (msg: string, after = 0, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = records().slice(after).find((r) => r.msg === msg);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no log "${msg}" within ${timeoutMs} ms\n${output()}`);
      await sleep(20);
    }
  };
  return {
    port,
    pid: child.pid!,
    configPath: config,
    signal: (sig: NodeJS.Signals) => {
      child.kill(sig);
    },
    waitForLog,
    postfixSpec: `inet:127.0.0.1:${port}`,
    libmilterSpec: `inet:${port}@127.0.0.1`,
    lines,
    records,
    output,
    stop,
  };
}

/** Log records at pino level error (50) or above. */
export function errorRecords(t: Thresher): Array<Record<string, unknown>> {
  return t.records().filter((r) => typeof r.level === 'number' && r.level >= 50);
}

/**
 * Starts `serve` with this config until its ready line, then stops it: what that line says of
 * `check`'s remote servers (`servers.<check>`), the log records until then, and the exit code.
 */
export async function readyLineServers(configYaml: string, check: string): Promise<{ servers: Record<string, string>; records: Array<Record<string, unknown>>; exitCode: number | null }> {
  const t = await startThresher(configYaml);
  const ready = await t.waitForLog('thresher ready').catch(async (err: unknown) => {
    await t.stop();
    throw err;
  });
  const exitCode = await t.stop();
  const servers = (ready.servers as Record<string, Record<string, string>> | undefined)?.[check] ?? {};
  return { servers, records: t.records(), exitCode };
}
