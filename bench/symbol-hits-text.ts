// Hit rates of the header and body-text rule families on the labelled corpus, to tune their
// scores: per symbol, the share of spam and of ham it fires on, overall and per source, and
// the time the two checks take per message (apart from decoding the text, which textOf does
// once per message for every content check).
//
//   npx tsc -p tsconfig.json && node dist/bench/symbol-hits-text.js [CORPUS_DIR] [--symbol NAME]
//
// CORPUS_DIR defaults to ../shared/corpus; it holds <source>/{spam,ham}/*.eml. With --symbol,
// the files a symbol fires on are listed (with the hit's detail) instead of the table.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createServices } from '../src/scan/compose.js';
import { bodyCheck } from '../src/checks/content/body.js';
import { headersCheck } from '../src/checks/content/headers.js';
import type { Check, Hit } from '../src/engine/check.js';
import { cleanForEval } from '../src/eval/artefacts.js';
import { messageFromRaw } from '../src/message/parse.js';
import { textOf } from '../src/message/text.js';

const LIMITS = { maxScanBytes: 4 << 20, maxHeaders: 1000 };
const LABELS = ['spam', 'ham'] as const;
const CHECKS: Check[] = [headersCheck, bodyCheck];

interface Sample {
  source: string;
  label: (typeof LABELS)[number];
  file: string;
  raw: Buffer;
}

function loadCorpus(dir: string): Sample[] {
  const samples: Sample[] = [];
  for (const source of readdirSync(dir).sort()) {
    for (const label of LABELS) {
      const folder = join(dir, source, label);
      if (!existsSync(folder)) continue;
      for (const file of readdirSync(folder).sort()) {
        if (!file.endsWith('.eml')) continue;
        // As `thresher eval` sees it: header fields that give the label away removed, CRLF line ends.
        samples.push({ source, label, file: join(folder, file), raw: cleanForEval(readFileSync(join(folder, file)), false) });
      }
    }
  }
  return samples;
}

const log = pino({ level: 'silent' });
const services = createServices({ log });
const signal = new AbortController().signal;
/** Nanoseconds spent decoding text (shared by all content checks) and in the two checks. */
const spent = { text: 0n, checks: 0n };

async function runChecks(raw: Buffer): Promise<Hit[]> {
  const message = messageFromRaw(raw, LIMITS);
  const t0 = process.hrtime.bigint();
  textOf(message, log);
  const t1 = process.hrtime.bigint();
  const hits: Hit[] = [];
  for (const check of CHECKS) hits.push(...(await check.run({ message, signal, log, services, addHeader() {} })));
  spent.text += t1 - t0;
  spent.checks += process.hrtime.bigint() - t1;
  return hits;
}

const pct = (n: number, of: number) => (of === 0 ? '    -' : ((100 * n) / of).toFixed(1).padStart(5));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const symbolAt = args.indexOf('--symbol');
  const wanted = symbolAt >= 0 ? args.splice(symbolAt, 2)[1] : undefined;
  const samples = loadCorpus(args[0] ?? '../shared/corpus');
  const sources = [...new Set(samples.map((s) => s.source))];
  const totals = new Map<string, number>(); // "source/label" and "*/label" → messages
  const counts = new Map<string, number>(); // "SYMBOL source/label" → messages hit
  const scores = CHECKS.reduce((all, c) => ({ ...all, ...c.symbols }), {} as Check['symbols']);
  const sums = { spam: [] as number[], ham: [] as number[] }; // the two families' total score per message
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  for (const s of samples) await runChecks(s.raw); // warm up the JIT and the regex caches
  spent.text = spent.checks = 0n;
  for (const s of samples) {
    const hits = await runChecks(s.raw);
    bump(totals, `${s.source}/${s.label}`);
    bump(totals, `*/${s.label}`);
    const symbols = new Set(hits.map((h) => h.symbol));
    sums[s.label].push([...symbols].reduce((sum, symbol) => sum + (scores[symbol]?.score ?? 0), 0));
    for (const symbol of symbols) {
      bump(counts, `${symbol} ${s.source}/${s.label}`);
      bump(counts, `${symbol} */${s.label}`);
    }
    if (wanted !== undefined) {
      const hit = hits.find((h) => h.symbol === wanted);
      if (hit) console.log(`${s.label}\t${s.file}\t${hit.detail ?? ''}`);
    }
  }
  if (wanted !== undefined) return;
  const ms = (ns: bigint) => (Number(ns) / 1e6 / samples.length).toFixed(3);

  const columns = sources.flatMap((src) => LABELS.filter((l) => totals.has(`${src}/${l}`)).map((l) => `${src}/${l}`));
  console.log(`${samples.length} messages: ${totals.get('*/spam') ?? 0} spam, ${totals.get('*/ham') ?? 0} ham (% of each that a symbol hits)`);
  console.log(['symbol'.padEnd(30), 'score', 'spam%', ' ham%', ...columns.map((c) => c.replace(/\/(spam|ham)$/, (_, l: string) => `/${l[0]}`))].join('\t'));
  for (const check of CHECKS) {
    for (const [symbol, def] of Object.entries(check.symbols)) {
      const cell = (col: string) => pct(counts.get(`${symbol} ${col}`) ?? 0, totals.get(col) ?? 0);
      console.log([symbol.padEnd(30), def.score.toFixed(1).padStart(5), cell('*/spam'), cell('*/ham'), ...columns.map(cell)].join('\t'));
    }
  }
  for (const threshold of [1, 2, 3, 5]) {
    const share = (label: 'spam' | 'ham') => pct(sums[label].filter((x) => x >= threshold).length, sums[label].length).trim();
    console.log(`total of these families >= ${threshold}: spam ${share('spam')} %, ham ${share('ham')} %`);
  }
  console.log(`per message: ${ms(spent.checks)} ms in the two checks, ${ms(spent.text)} ms decoding the text they share (textOf)`);
}

await main();
