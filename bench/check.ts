// `thresher check` throughput on the development corpus, in process: every corpus message is
// learned into a temporary SQLite token store, then scored the way `thresher check` scores a
// file (parse, connect/HELO/MAIL and end-of-message checks with Bayes, verdict, headers), one
// message at a time in one process. Reading the files is left out of the timing (they are
// read once, before); CPU time per message makes "per core" explicit.
// Run alone with `node dist/bench/check.js [CORPUS [STORE]]` (STORE: sqlite or a redis:// URL);
// `npm run bench` includes it.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { learnId } from '../src/bayes/identity.js';
import { tokenize } from '../src/bayes/tokenize.js';
import { parseConfig } from '../src/config/load.js';
import { readMessages } from '../src/mailbox/read.js';
import { messageFromRaw } from '../src/message/parse.js';
import { createPipeline, createServices } from '../src/scan/compose.js';
import { scanOffline } from '../src/scan/offline.js';
import { openStores } from '../src/store/open.js';

/** Messages per second per core `thresher check` must sustain with all checks and Bayes. */
export const CHECK_TARGET_MSG_PER_SEC = 150;
/** Messages scored first and not counted, so the JIT has compiled the hot paths. */
const WARM_UP = 300;
/** Messages learned per SQLite transaction, as `thresher learn` batches them. */
const LEARN_BATCH = 500;
export const DEFAULT_CORPUS = '../shared/corpus';

export interface CheckBench {
  corpus: string;
  /** sqlite, or the Redis URL. */
  store: string;
  messages: number;
  learnSeconds: number;
  msgPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerMessage: number;
  /** 1000 / cpuMsPerMessage: what one fully busy core would do. */
  msgPerSecPerCore: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** `<corpus>/<source>/{spam,ham}` folders with their label. */
function labelledFolders(corpus: string): { path: string; label: 'spam' | 'ham' }[] {
  const out: { path: string; label: 'spam' | 'ham' }[] = [];
  for (const source of readdirSync(corpus).sort()) {
    for (const label of ['spam', 'ham'] as const) {
      const path = join(corpus, source, label);
      if (existsSync(path)) out.push({ path, label });
    }
  }
  return out;
}

/**
 * Undefined when the corpus is not there (a fresh clone without ../shared). `store`: the
 * config's store (default sqlite in a temporary data directory; a redis:// URL to measure Redis).
 */
export async function benchCheck(corpus = DEFAULT_CORPUS, store = 'sqlite'): Promise<CheckBench | undefined> {
  if (!existsSync(corpus)) return undefined;
  const config = parseConfig({ store });
  const limits = { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers };
  const messages: { raw: Buffer; label: 'spam' | 'ham' }[] = [];
  for (const { path, label } of labelledFolders(corpus)) {
    for await (const m of readMessages([path])) messages.push({ raw: m.raw, label });
  }

  const dir = mkdtempSync(join(tmpdir(), 'thresher-bench-check-'));
  // The token store as `thresher learn` makes it, in a temporary data directory (or Redis).
  const stores = await openStores(config, { dataDir: dir, create: true });
  const tokens = stores.tokens!;
  try {
    const learnStarted = performance.now();
    for (let i = 0; i < messages.length; i += LEARN_BATCH) {
      await tokens.learnMany(
        messages.slice(i, i + LEARN_BATCH).map(({ raw, label }) => {
          const message = messageFromRaw(raw, limits);
          return { id: learnId(message), tokens: tokenize(message), label };
        }),
      );
    }
    const learnSeconds = (performance.now() - learnStarted) / 1000;

    const log = pino({ level: 'warn' }, pino.destination(2));
    const pipeline = createPipeline(config, { services: createServices({ log, store: stores.kv }), source: 'built-in defaults', tokens });
    // As `thresher check` without options: the one transaction, all stages, the default policy's verdict and header edits.
    const checkOne = (raw: Buffer) => scanOffline(pipeline, raw, { sender: '', recipients: [] }, log);
    for (const { raw } of messages.slice(0, WARM_UP)) await checkOne(raw);

    const times: number[] = [];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (const { raw } of messages) {
      const t0 = performance.now();
      await checkOne(raw);
      times.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    times.sort((a, b) => a - b);
    const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / messages.length;
    return {
      corpus: resolve(corpus),
      store,
      messages: messages.length,
      learnSeconds: round(learnSeconds, 1),
      msgPerSec: Math.round(messages.length / seconds),
      p50Ms: round(percentile(times, 50)),
      p99Ms: round(percentile(times, 99)),
      cpuMsPerMessage: round(cpuMsPerMessage, 3),
      msgPerSecPerCore: Math.round(1000 / cpuMsPerMessage),
    };
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describeCheckBench(r: CheckBench | undefined): string {
  if (!r) return `check: skipped, no corpus at ${resolve(DEFAULT_CORPUS)}`;
  return (
    `check: ${r.messages} corpus messages, each parsed and scored as \`thresher check\` does (all checks, Bayes on ${r.store === 'sqlite' ? 'SQLite' : r.store} learned from the same corpus in ${r.learnSeconds} s), one process: ` +
    `${r.msgPerSec} msg/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; CPU ${r.cpuMsPerMessage} ms/message = ${r.msgPerSecPerCore} msg/s per core   [target ≥${CHECK_TARGET_MSG_PER_SEC} msg/s per core]`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${describeCheckBench(await benchCheck(process.argv[2], process.argv[3]))}\n`);
}
