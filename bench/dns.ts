// What the DNS checks cost and how well the resolver cache does on the development corpus:
// every corpus message scored as `thresher check` scores it (client and HELO from its Received
// headers), once without DNS checks and once with three address lists, two domain lists and
// reverse DNS, against a loopback DNS server in a child process (bench/dns-answerer.ts).
// Reports CPU per message both ways and the resolver's cache hit rate over the mix.
// Then how much DNS time the lookups started at connect and HELO hide: end-of-message latency
// with the server answering after 20 ms and 30 or 60 ms of SMTP between RCPT and end of message,
// with the connect/HELO lookups and without them (only at end of message).
// Run with `node dist/bench/dns.js [CORPUS]`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { createResolver } from '../src/dns/create.js';
import { readMessages } from '../src/mailbox/read.js';
import { Engine } from '../src/engine/engine.js';
import { createPipeline, createServices } from '../src/scan/compose.js';
import { scanOffline } from '../src/scan/offline.js';
import { systemClock } from '../src/scan/services.js';
import { Transaction } from '../src/scan/transaction.js';
import { DEFAULT_CORPUS } from './check.js';

const corpus = process.argv[2] ?? DEFAULT_CORPUS;
const WARM_UP = 200;
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

async function startAnswerer(delayMs = 0): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./dns-answerer.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_DNS_DELAY_MS: String(delayMs) } });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`dns answerer exited ${code}`)));
  });
  return { port, stop: () => child.kill() };
}

const list = (zone: string, symbol: string, score = 2) => ({ zone, symbol, score });

async function measure(raws: Buffer[], dnsOn: boolean, port: number) {
  const config = parseConfig(dnsOn ? {
    dns: { servers: [`127.0.0.1:${port}`], timeout_ms: 1000 },
    dnsbl: {
      reverse_dns: true,
      ip_lists: [list('zen.bench.test', 'RBL_BENCH_ZEN'), list('bl.bench.test', 'RBL_BENCH_BL'), list('wl.bench.test', 'DNSWL_BENCH', -1)],
      domain_lists: [{ ...list('dbl.bench.test', 'DBL_BENCH'), probe: null }, { ...list('uri.bench.test', 'URIBL_BENCH'), probe: null }],
    },
  } : {});
  const log = pino({ level: 'silent' });
  const build = () => {
    const resolver = createResolver(config.dns, systemClock);
    const pipeline = createPipeline(config, { services: createServices({ log, services: { resolver } }) });
    return { resolver, one: (raw: Buffer) => scanOffline(pipeline, raw, { recipients: [] }, log) };
  };
  const warm = build();
  for (const raw of raws.slice(0, WARM_UP)) await warm.one(raw);
  // The timed pass starts with an empty cache: its hit rate is the mix's own.
  const { resolver, one } = build();
  const before = { ...resolver.stats };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const raw of raws) await one(raw);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const s = resolver.stats;
  const lookups = s.lookups - before.lookups;
  return {
    cpuMsPerMessage: round((cpu.user + cpu.system) / 1000 / raws.length),
    wallMsPerMessage: round(ms / raws.length),
    lookupsPerMessage: round(lookups / raws.length, 2),
    queriesPerMessage: round((s.queries - before.queries) / raws.length, 2),
    cacheHitRate: lookups === 0 ? 0 : round((s.cacheHits - before.cacheHits) / lookups),
    joinedRate: lookups === 0 ? 0 : round((s.joined - before.joined) / lookups),
    failures: s.failures - before.failures,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** End-of-message latency (p50, p99 ms) of 50 messages from distinct clients, `gapMs` after RCPT. */
async function overlap(port: number, gapMs: number, early: boolean): Promise<[number, number]> {
  const config = parseConfig({ dns: { servers: [`127.0.0.1:${port}`], timeout_ms: 1000 }, dnsbl: { reverse_dns: true, ip_lists: [list('zen.bench.test', 'RBL_BENCH_ZEN'), list('bl.bench.test', 'RBL_BENCH_BL'), list('wl.bench.test', 'DNSWL_BENCH', -1)] } });
  const log = pino({ level: 'silent' });
  const services = createServices({ log, services: { resolver: createResolver(config.dns, systemClock) } });
  const base = createPipeline(config, { services });
  const checks = base.engine.checks.filter((c) => early || !c.name.startsWith('dns-prefetch'));
  const pipeline = { ...base, engine: new Engine(checks, { scores: {}, checkTimeoutMs: 10_000, services }) };
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const tx = new Transaction(() => pipeline, log);
    await tx.connect({ hostname: 'unknown', address: `198.51.100.${i}`, port: 25, family: 'inet' });
    await tx.helo(`mail${i}.sender.test`);
    await tx.mail({ address: 'a@sender.test', args: [] }, { authenticated: false });
    await tx.rcpt({ address: 'b@example.net', args: [] }, { answerable: true });
    await sleep(gapMs);
    tx.header('Subject', 'hello');
    tx.endOfHeaders();
    await tx.body(Buffer.from('hello\r\n'));
    const eom = await tx.endOfMessage();
    if (i >= 10) times.push(eom.ms);
  }
  times.sort((a, b) => a - b);
  return [round(times[times.length >> 1]!, 1), round(times[Math.floor(times.length * 0.99)]!, 1)];
}

if (!existsSync(corpus)) {
  process.stdout.write(`dns: skipped, no corpus at ${corpus}\n`);
} else {
  const raws: Buffer[] = [];
  for await (const m of readMessages([corpus])) raws.push(m.raw);
  const answerer = await startAnswerer();
  try {
    const off = await measure(raws, false, answerer.port);
    const on = await measure(raws, true, answerer.port);
    process.stdout.write(`dns: ${raws.length} corpus messages, one at a time (timed pass after a ${WARM_UP}-message warm-up)\n`);
    process.stdout.write(`  DNS checks off: CPU ${off.cpuMsPerMessage} ms/message, wall ${off.wallMsPerMessage} ms/message\n`);
    process.stdout.write(`  DNS checks on:  CPU ${on.cpuMsPerMessage} ms/message, wall ${on.wallMsPerMessage} ms/message; ${on.lookupsPerMessage} lookups and ${on.queriesPerMessage} queries per message; cache hit rate ${on.cacheHitRate} (+${on.joinedRate} joined in flight); ${on.failures} failures\n`);
  } finally {
    answerer.stop();
  }
  const late = await startAnswerer(20);
  try {
    process.stdout.write('dns: end-of-message latency, DNS answering after 20 ms, 3 address lists and reverse DNS (PTR then A: 40 ms in a row)\n');
    for (const gap of [30, 60]) {
      const [e50, e99] = await overlap(late.port, gap, true);
      const [l50, l99] = await overlap(late.port, gap, false);
      process.stdout.write(`  ${gap} ms of SMTP after RCPT: started at connect/HELO p50 ${e50} ms, p99 ${e99} ms; only at end of message p50 ${l50} ms, p99 ${l99} ms\n`);
    }
  } finally {
    late.stop();
  }
}
