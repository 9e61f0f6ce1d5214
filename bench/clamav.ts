// Thresher's own cost of the ClamAV check, with a clamd you run (`CLAMD=inet:HOST:PORT`, default
// inet:127.0.0.1:3310): CPU of this process per message with the check off, streaming (the body
// goes to clamd as it arrives) and whole (the same check without its body sink: the message is
// sent at end of message), and the end-of-message latency p50/p99 of each. clamd's own CPU is not
// counted: it is another process. Run: npm run build && node dist/bench/clamav.js
// Knobs: N (messages per mode, 2000), CONC (concurrent messages, 20), SIZE (body bytes, 20000),
// GAP_MS (pause between 64 KiB body chunks, as the MTA's packets arrive; 0), MODES (off,stream,whole).
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { Engine } from '../src/engine/engine.js';
import { createPipeline, createServices } from '../src/scan/compose.js';
import type { Pipeline } from '../src/scan/pipeline.js';
import { Transaction } from '../src/scan/transaction.js';

const env = (name: string, def: number) => Number(process.env[name] ?? def);
const N = env('N', 2000);
const CONC = env('CONC', 20);
const SIZE = env('SIZE', 20000);
const GAP_MS = env('GAP_MS', 0);
const CHUNK = 65535;
const server = process.env.CLAMD ?? 'inet:127.0.0.1:3310';
const log = pino({ level: 'silent' });
const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\r\n';
const body = Buffer.from(line.repeat(Math.ceil(SIZE / line.length))).subarray(0, SIZE);
const headers: [string, string][] = [['From', 'a@example.org'], ['To', 'b@example.net'], ['Subject', 'measure'], ['Date', 'Fri, 04 Dec 2026 10:00:00 +0000'], ['Message-ID', '<m@example.org>']];

type Mode = 'off' | 'stream' | 'whole';

function pipelineFor(mode: Mode): Pipeline {
  const p = createPipeline(parseConfig(mode === 'off' ? {} : { clamav: { servers: [server] } }), { services: createServices({ log }) });
  if (mode !== 'whole') return p;
  const checks = p.engine.checks.map((c) => (c.name === 'clamav' ? { ...c, openBody: undefined } : c));
  return { ...p, engine: new Engine(checks, { scores: {}, checkTimeoutMs: 30_000, services: p.services }) };
}

async function one(p: Pipeline, eoms: number[]): Promise<void> {
  const tx = new Transaction(() => p, log);
  await tx.connect({ hostname: 'mx.example.org', address: '192.0.2.1', port: 25, family: 'inet' });
  await tx.mail({ address: 'a@example.org', args: [] }, { authenticated: false });
  await tx.rcpt({ address: 'b@example.net', args: [] }, { answerable: true });
  for (const [n, v] of headers) tx.header(n, v);
  tx.endOfHeaders();
  for (let at = 0; at < body.length; at += CHUNK) {
    await tx.body(body.subarray(at, at + CHUNK));
    // The MTA's next BODY packet comes over the network: at least one turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
  }
  const started = performance.now();
  const eom = await tx.endOfMessage();
  eoms.push(performance.now() - started);
  tx.endMessage();
  if (eom.verdict.action !== 'accept') throw new Error(`clamd did not scan: ${JSON.stringify(eom.verdict.result.failures)}`);
}

async function measure(mode: Mode) {
  const p = pipelineFor(mode);
  for (let i = 0; i < 100; i++) await one(p, []);
  const eoms: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next++ < N) await one(p, eoms);
  }));
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  eoms.sort((a, b) => a - b);
  const q = (f: number) => eoms[Math.min(eoms.length - 1, Math.floor(f * eoms.length))]!.toFixed(2);
  return { mode, 'cpu ms/msg': ((used.user + used.system) / 1000 / N).toFixed(3), 'msg/s': Math.round((N / wall) * 1000), 'eom p50 ms': q(0.5), 'eom p99 ms': q(0.99) };
}

const results = [];
for (const mode of (process.env.MODES ?? 'off,stream,whole').split(',') as Mode[]) results.push(await measure(mode));
console.table(results);
