// Postfix's smtp-sink as the next hop of a private MTA: it accepts every message on a free
// loopback port and writes each one, as delivered, to its own file in `dump` (which must exist).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, requireBinary, waitForPort } from './proc.js';

export interface Sink {
  readonly port: number;
  /** Delivered messages containing `token` right now. */
  deliveries(token: string): string[];
  /** Waits for the one delivered message containing `token`; `why` adds context to a timeout. */
  waitForDelivery(token: string, why: () => string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startSink(dump: string): Promise<Sink> {
  const bin = requireBinary('smtp-sink', 'postfix');
  const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  chownSync(dump, nobody, -1); // smtp-sink drops root (-u) before it writes
  const port = await freePort();
  const out: string[] = [];
  // -d: one file per message, strftime template + random suffix; 64: listen backlog
  const child: ChildProcess = spawn(bin, ['-u', 'nobody', '-h', 'sink.thresher.test', '-d', `${dump}/%Y%m%d%H%M%S.`, `127.0.0.1:${port}`, '64'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  const dead = () => (child.exitCode !== null || child.signalCode !== null ? `smtp-sink exited: ${out.join('')}` : null);
  const stop = async () => {
    if (!dead()) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
    }
  };
  try {
    await waitForPort(port, 'smtp-sink', 10_000, dead);
  } catch (err) {
    await stop();
    throw err;
  }

  const deliveries = (token: string) =>
    readdirSync(dump).map((f) => readFileSync(`${dump}/${f}`, 'utf8')).filter((m) => m.includes(token));
  const waitForDelivery = async (token: string, why: () => string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: string | undefined;
    for (;;) {
      const found = deliveries(token);
      if (found.length > 1) throw new Error(`${found.length} deliveries contain ${token}, expected one`);
      // smtp-sink writes while it receives: accept a file once it is unchanged between two polls
      if (found[0] !== undefined && found[0] === last) return last;
      last = found[0];
      if (Date.now() > deadline) throw new Error(`no delivery containing ${token} within ${timeoutMs} ms\n${why()}`);
      await sleep(100);
    }
  };
  return { port, deliveries, waitForDelivery, stop };
}
