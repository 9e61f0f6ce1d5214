// Thresher benchmark (`npm run bench`): frame decoding throughput, messages per second and
// latency through real loopback sessions against a server child process, and the server's
// memory with 1,000 idle connections. Loopback only; every loop is bounded; stops by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameDecoder, decodeCommand, MAX_BODY_CHUNK } from '../protocol/index.js';
import { MtaClient, type MessageSpec } from '../protocol/testing/mta-client.js';
import { LeanClient, prepare, type Prepared } from './lean-client.js';
import { mta } from '../protocol/testing/mta.js';
import { benchCheck, CHECK_TARGET_MSG_PER_SEC, describeCheckBench } from './check.js';
import { benchRulesEngine, RULES_TARGET_MS } from './rules.js';

const HOST = '127.0.0.1';
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** The server's log level: info (the default, one line per message) measures what production pays. */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const numbers = (list: string) => list.split(',').map((x) => Number(x.trim()));
/** Concurrent MTA connections of the loopback runs, e.g. BENCH_CONNECTIONS=20. */
const CONCURRENCY = numbers(process.env.BENCH_CONNECTIONS ?? '1,20,200');
/**
 * `serve --workers` of the server under load; a list (BENCH_WORKERS=1,2) runs the loopback
 * benchmark against a fresh server for each and compares their messages per second.
 */
const WORKERS = numbers(process.env.BENCH_WORKERS ?? '1');
/** BENCH_CLIENT=lean: load runs with the prepared-bytes client (bench/lean-client.ts), which leaves the CPU to the server. */
const LEAN_CLIENT = process.env.BENCH_CLIENT === 'lean';
/** BENCH_ONLY=loopback: only the server runs (not the decoder, rules and corpus benchmarks). */
const LOOPBACK_ONLY = process.env.BENCH_ONLY === 'loopback';
/** BENCH_CONFIG_EXTRA: YAML appended to the server's config, e.g. to measure greylisting and rate limits on (docs/greylisting.md). */
const CONFIG_EXTRA = process.env.BENCH_CONFIG_EXTRA ?? '';
const IDLE_CONNECTIONS = 1000;
const TARGET = { msgPerSecAt20: 3000, p99Ms: 10, idleRssMB: 150 };
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const out = (line: string) => process.stdout.write(`${line}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------- realistic traffic

/** Deterministic 4-20 KB body: text lines as a mail client writes them, CRLF-terminated. */
function body(i: number, spam = false): Buffer {
  const size = 4096 + ((i * 7919) % 16384);
  const words = ['invoice', 'meeting', 'tomorrow', 'please', 'find', 'attached', 'regards', 'the', 'report', 'quarterly', 'update', 'project'];
  const lines: string[] = [];
  let n = 0;
  let k = i;
  if (spam) lines.push(GTUBE);
  while (n < size) {
    let line = '';
    while (line.length < 70) line += `${words[(k = (k * 1103515245 + 12345) >>> 0) % words.length]} `;
    lines.push(line.trimEnd());
    n += line.length + 1;
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

function headers(i: number): [string, string][] {
  return [
    ['Received', `from client${i}.example.org (client${i}.example.org [192.0.2.${i % 250}])\n\tby mx.example.net (Postfix) with ESMTPS id 4Z${i}Q\n\tfor <bob@example.net>; Tue, 3 Jun 2025 10:00:00 +0000 (UTC)`],
    ['Return-Path', `<alice${i}@example.org>`],
    ['DKIM-Signature', `v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel1; h=from:to:subject:date:message-id; bh=${'A'.repeat(44)}; b=${'B'.repeat(340)}`],
    ['From', `Alice <alice${i}@example.org>`],
    ['To', 'Bob <bob@example.net>'],
    ['Subject', `Quarterly report ${i}`],
    ['Date', 'Tue, 3 Jun 2025 10:00:00 +0000'],
    ['Message-ID', `<${i}.1717408800@client.example.org>`],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', '8bit'],
    ['X-Mailer', 'Example Mail 1.2.3'],
  ];
}

/** The bytes Postfix sends for one SMTP session with one message (HDR_LEADSPC style values). */
function conversation(i: number): Buffer {
  const frames: Buffer[] = [
    mta.optneg(6, 0x1ff, 0x1fffff),
    mta.macro(0x43, { j: 'mx.example.net', '{daemon_name}': 'smtpd', v: 'Postfix 3.8.5' }),
    mta.connect(`client${i}.example.org`, '4', 40000 + (i % 20000), `192.0.2.${i % 250}`),
    mta.macro(0x48, { '{tls_version}': 'TLSv1.3', '{cipher}': 'TLS_AES_256_GCM_SHA384' }),
    mta.helo(`client${i}.example.org`),
    mta.macro(0x4d, { i: `4Z${i}Q`, '{auth_type}': '', '{auth_authen}': '', '{mail_addr}': `alice${i}@example.org` }),
    mta.mail(`<alice${i}@example.org>`, 'SIZE=12345', 'BODY=8BITMIME'),
    mta.macro(0x52, { '{rcpt_addr}': 'bob@example.net' }),
    mta.rcpt('<bob@example.net>'),
    mta.data(),
    ...headers(i).map(([n, v]) => mta.header(n, ` ${v}`)),
    mta.eoh(),
  ];
  const b = body(i);
  for (let off = 0; off < b.length; off += MAX_BODY_CHUNK) frames.push(mta.body(b.subarray(off, off + MAX_BODY_CHUNK)));
  frames.push(mta.macro(0x45, { i: `4Z${i}Q` }), mta.eom(), mta.abort(), mta.quit());
  return Buffer.concat(frames);
}

function benchDecode(): { mbPerSec: number; framesPerSec: number; bytes: number; seconds: number } {
  const stream = Buffer.concat(Array.from({ length: 256 }, (_, i) => conversation(i)));
  const CHUNK = 16 * 1024;
  const pass = (): number => {
    const d = new FrameDecoder();
    let frames = 0;
    for (let off = 0; off < stream.length; off += CHUNK) {
      for (const f of d.push(stream.subarray(off, off + CHUNK))) {
        decodeCommand(f);
        frames++;
      }
    }
    return frames;
  };
  for (let i = 0; i < 5; i++) pass(); // warm-up
  const started = performance.now();
  let bytes = 0;
  let frames = 0;
  // At most 2,000 passes or about 3 seconds, whichever comes first.
  for (let i = 0; i < 2000 && performance.now() - started < 3000; i++) {
    frames += pass();
    bytes += stream.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { mbPerSec: round(bytes / 1e6 / seconds), framesPerSec: Math.round(frames / seconds), bytes, seconds: round(seconds, 2) };
}

// ---------------------------------------------------------------- server child process

interface Child {
  proc: ChildProcess;
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startChild(dir: string, workers: number): Promise<Child> {
  const config = join(dir, 'thresher.yaml');
  writeFileSync(config, `log_level: ${LOG_LEVEL}\nlimits:\n  max_connections: 5000\n  max_connections_per_client: 5000\n  shutdown_grace_seconds: 5\n${CONFIG_EXTRA}\n`);
  // The server logs to a file, as in production (journald or a log file), not through this process.
  const logFile = join(dir, 'server.log');
  const logFd = openSync(logFile, 'w');
  const port = await freePort();
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const proc = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), main, 'serve', '--listen', `inet:${HOST}:${port}`, '-c', config, '--workers', String(workers)], {
    stdio: ['ignore', logFd, 'pipe'],
    cwd: dir,
  });
  let log = '';
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-8000);
  };
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  // Ready once it accepts a connection.
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      const c = await MtaClient.connect(HOST, port, { timeoutMs: 1000 });
      c.close();
      break;
    } catch (err) {
      if (proc.exitCode !== null || Date.now() > until) throw new Error(`server did not start: ${(err as Error).message}\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  // The first worker accepts before the others are up: wait for the primary's ready line.
  while (workers > 1 && !/"primary":\d+.*"msg":"thresher ready"/.test(readFileSync(logFile, 'utf8'))) {
    if (proc.exitCode !== null || Date.now() > until) throw new Error(`server workers did not start\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    port,
    output: () => log,
    stop: async () => {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 15_000)));
      if ((await Promise.race([exited, late])) === 'late') {
        proc.kill('SIGKILL');
        await exited;
      }
      clearTimeout(timer);
    },
  };
}

/** The fields of /proc/PID/stat after the command name (which may contain spaces): field 3 is [0]. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The server process and its workers (its children), if it has any. */
function serverPids(pid: number): number[] {
  const children = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      return Number(statFields(Number(d))[1]) === pid ? [Number(d)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
  return [pid, ...children];
}

/**
 * CPU time (user + system) the server has used so far, in milliseconds: the process, its live
 * workers, and the workers that exited (cutime and cstime of the primary).
 */
function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of serverPids(pid)) {
    // utime and stime are fields 14 and 15; cutime and cstime 16 and 17.
    const f = statFields(p);
    ticks += Number(f[11]) + Number(f[12]) + (p === pid ? Number(f[13]) + Number(f[14]) : 0);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable from Node). */
const CLOCK_TICKS = 100;

/** Resident memory of the server process and its workers, summed (shared pages count in each). */
function rssMB(pid: number): number {
  let kB = 0;
  for (const p of serverPids(pid)) {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    if (!m) throw new Error(`no VmRSS for ${p}`);
    kB += Number(m[1]);
  }
  return round(kB / 1024);
}

// ---------------------------------------------------------------- loopback sessions

function spec(i: number): MessageSpec {
  return {
    macros: { connect: { j: 'mx.example.net', '{daemon_name}': 'smtpd' }, mail: { i: `4Z${i}Q` }, eom: { i: `4Z${i}Q` } },
    connect: { hostname: `client${i}.example.org`, address: `192.0.2.${i % 250}`, port: 40000 + (i % 20000) },
    helo: `client${i}.example.org`,
    from: `alice${i}@example.org`,
    mailArgs: ['SIZE=12345'],
    rcpts: ['bob@example.net'],
    headers: headers(i),
    // One message in ten is GTUBE, so both verdicts are exercised.
    body: body(i, i % 10 === 0),
  };
}

/** A small pool of prepared messages: the client should not spend its time building them. */
const SPECS = Array.from({ length: 64 }, (_, i) => spec(i));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface LoadResult {
  connections: number;
  messages: number;
  seconds: number;
  msgPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Server CPU (user + system) per message, and its share of one core over the run. */
  serverCpuUsPerMsg: number;
  serverCpuPct: number;
}

async function openClient(port: number, n: number): Promise<MtaClient> {
  const c = await MtaClient.connect(HOST, port, { timeoutMs: 10_000 });
  await c.negotiate();
  await c.hello(SPECS[n % SPECS.length]!);
  return c;
}

/** One connection of a load run: sends message n, says whether the answer was the expected one. */
interface LoadClient {
  send(n: number): Promise<{ ok: boolean; elapsedMs: number }>;
  close(): Promise<void>;
}

async function fullClient(port: number, n: number): Promise<LoadClient> {
  const c = await openClient(port, n);
  return {
    async send(i) {
      const r = await c.sendMessage(SPECS[i % SPECS.length]!);
      return { ok: r.final === 'continue' && r.modifications.length >= 2, elapsedMs: r.elapsedMs };
    },
    async close() {
      await c.quit().catch(() => c.close());
      c.close();
    },
  };
}

async function leanClient(port: number, n: number): Promise<LoadClient> {
  const c = await LeanClient.open(HOST, port, SPECS[n % SPECS.length]!);
  const prepared: Prepared[] = SPECS.map((s) => prepare(s, c.protocol));
  return {
    async send(i) {
      const r = await c.send(prepared[i % prepared.length]!);
      return { ok: r.final === 'continue' && r.modifications >= 2, elapsedMs: r.elapsedMs };
    },
    async close() {
      c.close();
    },
  };
}

async function benchLoad(child: Child, connections: number, seconds: number): Promise<LoadResult> {
  const port = child.port;
  const pid = child.proc.pid!;
  const clients: LoadClient[] = [];
  const open = LEAN_CLIENT ? leanClient : fullClient;
  for (let i = 0; i < connections; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, connections - i) }, (_, k) => open(port, i + k)));
    clients.push(...batch);
  }
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let lastDone = started;
  await Promise.all(
    clients.map(async (c, ci) => {
      // Bounded: stops at the deadline or after 1e6 messages, whichever comes first.
      for (let n = ci; n < ci + 1_000_000 && performance.now() < deadline; n++) {
        try {
          const r = await c.send(n);
          if (!r.ok) errors++;
          latencies.push(r.elapsedMs);
          lastDone = performance.now();
        } catch (err) {
          errors++;
          process.stderr.write(`client ${ci}: ${(err as Error).message}\n`);
          return;
        }
      }
    }),
  );
  const elapsed = (lastDone - started) / 1000;
  const serverCpu = cpuMs(pid) - cpuBefore;
  await Promise.all(clients.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  return {
    connections,
    messages: latencies.length,
    seconds: round(elapsed, 2),
    msgPerSec: Math.round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(latencies[latencies.length - 1] ?? NaN, 2),
    errors,
    serverCpuUsPerMsg: Math.round((serverCpu * 1000) / Math.max(1, latencies.length)),
    serverCpuPct: Math.round(serverCpu / 10 / elapsed),
  };
}

interface IdleResult {
  connections: number;
  rssBeforeMB: number;
  rssMB: number;
  kbPerConnection: number;
  servedAfter: boolean;
}

async function benchIdle(child: Child, count: number): Promise<IdleResult> {
  const pid = child.proc.pid!;
  const rssBeforeMB = rssMB(pid);
  const clients: MtaClient[] = [];
  try {
    for (let i = 0; i < count; i += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => openClient(child.port, i + k)));
      clients.push(...batch);
    }
    // Let the server settle (no reply is due for CONNECT/HELO under the no-reply flags).
    await new Promise((r) => setTimeout(r, 1500));
    const rss = rssMB(pid);
    // Still alive and served: a message on a few of the idle connections.
    let servedAfter = true;
    for (const c of clients.filter((_, i) => i % 100 === 0)) {
      const r = await c.sendMessage(SPECS[1]!);
      servedAfter &&= r.final === 'continue';
    }
    return { connections: clients.length, rssBeforeMB, rssMB: rss, kbPerConnection: round(((rss - rssBeforeMB) * 1024) / count), servedAfter };
  } finally {
    for (const c of clients) c.close();
  }
}

// ---------------------------------------------------------------- main

interface ServerRuns {
  workers: number;
  rssStartMB: number;
  load: LoadResult[];
  idle: IdleResult[];
}

/** Idle connections, then load at each concurrency, then idle again, on a fresh server. */
async function benchServer(workers: number, runs: ServerRuns): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'thresher-bench-'));
  let child: Child | undefined;
  try {
    child = await startChild(dir, workers);
    runs.rssStartMB = rssMB(child.proc.pid!);
    out(`server: pid ${child.proc.pid}, --workers ${workers}, ${HOST}:${child.port}, log_level ${LOG_LEVEL} (one JSON line per message at info), RSS at start ${runs.rssStartMB} MB`);
    const describeIdle = (when: string, r: IdleResult) =>
      out(
        `idle ${when}: ${r.connections} connections (negotiated, CONNECT+HELO sent): server RSS ${r.rssMB} MB (was ${r.rssBeforeMB} MB, ${r.kbPerConnection} KB/connection), still serving: ${r.servedAfter}   [target <${TARGET.idleRssMB} MB]`,
      );
    runs.idle.push(await benchIdle(child, IDLE_CONNECTIONS));
    describeIdle('on the fresh server', runs.idle[0]!);
    await benchLoad(child, 20, 1); // warm-up, not reported
    for (const n of CONCURRENCY) {
      const r = await benchLoad(child, n, LOAD_SECONDS);
      runs.load.push(r);
      out(
        `loopback ${String(n).padStart(3)} conn: ${r.msgPerSec} msg/s (${r.messages} messages in ${r.seconds} s), latency MAIL→final p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms, errors ${r.errors}; server CPU ${r.serverCpuPct}% of a core, ${r.serverCpuUsPerMsg} µs/msg` +
          (n === 20 ? `   [target ≥${TARGET.msgPerSecAt20} msg/s, p99 <${TARGET.p99Ms} ms]` : ''),
      );
    }
    runs.idle.push(await benchIdle(child, IDLE_CONNECTIONS));
    describeIdle('after the load runs', runs.idle[1]!);
  } catch (err) {
    out(`bench failed: ${(err as Error).stack ?? String(err)}`);
    if (child) out(`server output:\n${child.output()}`);
    process.exitCode = 1;
  } finally {
    await child?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const serverWarnings = child?.output().trim();
  if (serverWarnings) out(`server output (warnings):\n${serverWarnings.split('\n').slice(-10).join('\n')}`);
}

async function main(): Promise<void> {
  // A last resort: whatever happens, this process ends within 8 minutes (the corpus check
  // benchmark learns and scores 6,721 messages: about a minute on a 2-core machine).
  const watchdog = setTimeout(() => {
    process.stderr.write('bench: watchdog expired\n');
    process.exit(3);
  }, 480_000);
  watchdog.unref();

  out(`thresher bench: node ${process.version}, ${process.platform}/${process.arch}, loopback ${HOST}`);
  const decode = LOOPBACK_ONLY ? null : benchDecode();
  if (decode) out(`decode: ${decode.mbPerSec} MB/s, ${decode.framesPerSec} frames/s (FrameDecoder + decodeCommand, Postfix-like sessions pushed in 16 KiB chunks, ${round(decode.bytes / 1e6)} MB in ${decode.seconds} s)`);
  const rules = LOOPBACK_ONLY ? null : await benchRulesEngine();
  if (rules) out(`rules: engine with ${rules.rules} header and body rules, in process, Engine.run('eom'): ${rules.plainMsPerMessage} ms/message text/plain, ${rules.multipartMsPerMessage} ms/message multipart (base64 text + quoted-printable HTML), ~${round(rules.bytesPerMessage / 1024)} KB messages, ${rules.hitsPerMessage} symbols/message   [target <${RULES_TARGET_MS} ms]`);

  const servers: ServerRuns[] = [];
  for (const workers of WORKERS) {
    const runs: ServerRuns = { workers, rssStartMB: NaN, load: [], idle: [] };
    servers.push(runs);
    await benchServer(workers, runs);
  }
  const base = servers[0]!.load.find((r) => r.connections === 20);
  for (const runs of servers.slice(1)) {
    const at = runs.load.find((r) => r.connections === 20);
    if (base && at) out(`workers: --workers ${runs.workers} ${at.msgPerSec} msg/s against --workers ${servers[0]!.workers} ${base.msgPerSec} msg/s at 20 connections: ${round(at.msgPerSec / base.msgPerSec, 2)}x`);
  }
  // After the loopback runs: the corpus held in memory must not weigh on the MTA clients' timing.
  const checkBench = LOOPBACK_ONLY ? undefined : await benchCheck(process.env.BENCH_CORPUS);
  if (!LOOPBACK_ONLY) out(describeCheckBench(checkBench));
  clearTimeout(watchdog);

  // Targets are judged on the first server: the worse of its two idle measurements (fresh,
  // and after the heap grew under load).
  const { idle, load, rssStartMB } = servers[0]!;
  const idleMax = idle.length === 2 ? Math.max(...idle.map((r) => r.rssMB)) : null;
  const at20 = load.find((r) => r.connections === 20);
  const targets = {
    msgPerSecAt20: { target: `>= ${TARGET.msgPerSecAt20}`, value: at20?.msgPerSec ?? null, met: (at20?.msgPerSec ?? 0) >= TARGET.msgPerSecAt20 },
    p99MsAt20: { target: `< ${TARGET.p99Ms}`, value: at20?.p99Ms ?? null, met: (at20?.p99Ms ?? Infinity) < TARGET.p99Ms },
    idleRssMB: { target: `< ${TARGET.idleRssMB}`, value: idleMax, met: (idleMax ?? Infinity) < TARGET.idleRssMB },
    checkMsgPerSecPerCore: {
      target: `>= ${CHECK_TARGET_MSG_PER_SEC}`,
      value: checkBench?.msgPerSecPerCore ?? null,
      met: (checkBench?.msgPerSecPerCore ?? 0) >= CHECK_TARGET_MSG_PER_SEC,
    },
  };
  for (const [name, t] of Object.entries(targets)) out(`target ${name}: ${t.value} (${t.target}) ${t.met ? 'MET' : 'MISSED'}`);
  out(JSON.stringify({ node: process.version, decode, check: checkBench ?? null, server: { rssStartMB }, loopback: load, idle, workers: servers, targets }));
}

await main();
