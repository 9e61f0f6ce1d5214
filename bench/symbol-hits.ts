// How often each content symbol (MIME_, HTML_, URL_, ATTACH_) fires on the labelled corpus, per
// source and label, and what the parse and the checks cost per message. The scores of those
// families were set from this table: a symbol that hits ham often is dropped or scores low.
//
//   npx tsc -p tsconfig.json && node dist/bench/symbol-hits.js [CORPUS_DIR] [--hits SYMBOL]
//
// --hits SYMBOL lists the messages a symbol fires on, with its detail, instead of the table.
// CORPUS_DIR defaults to ../shared/corpus (layout <source>/{spam,ham}/*.eml). Header fields that
// give the label away in that corpus (its README lists them) are removed before checking, so
// no number here leans on them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createServices } from '../src/scan/compose.js';
import { contentChecks } from '../src/checks/content/index.js';
import type { Check, Hit } from '../src/engine/check.js';
import { Message } from '../src/message/message.js';
import { messageFromRaw } from '../src/message/parse.js';
import { partsOf } from '../src/message/parts.js';

const LIMITS = { maxScanBytes: 4 * 1024 * 1024, maxHeaders: 1000 };
const LABELS = ['spam', 'ham'] as const;
type Label = (typeof LABELS)[number];

/** Corpus artefacts (see the corpus README): verdicts of other filters, mail-client and list headers. */
const ARTEFACT = /^(?:x-spam-|x-microsoft-antispam|x-ms-exchange|x-forefront|x-account-key|x-uidl|x-mozilla-status|x-virus-scanned|list-)/i;

interface Sample {
  file: string;
  source: string;
  label: Label;
  raw: Buffer;
}

function loadCorpus(root: string): Sample[] {
  const samples: Sample[] = [];
  for (const source of readdirSync(root, { withFileTypes: true })) {
    if (!source.isDirectory()) continue;
    for (const label of LABELS) {
      let files: string[];
      try {
        files = readdirSync(join(root, source.name, label));
      } catch {
        continue;
      }
      for (const file of files.sort()) {
        if (file.endsWith('.eml')) samples.push({ file: join(source.name, label, file), source: source.name, label, raw: readFileSync(join(root, source.name, label, file)) });
      }
    }
  }
  return samples;
}

/** The message without artefact header fields. */
function withoutArtefacts(raw: Buffer): Message {
  const parsed = messageFromRaw(raw, LIMITS);
  const clean = new Message(LIMITS);
  for (const h of parsed.headers) if (!ARTEFACT.test(h.name)) clean.addHeader(h.name, h.value);
  clean.addBody(parsed.body);
  return clean;
}

function percent(n: number, of: number): string {
  return of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const hitsAt = args.indexOf('--hits');
  const listed = hitsAt >= 0 ? args.splice(hitsAt, 2)[1] : undefined;
  const root = args[0] ?? '../shared/corpus';
  const samples = loadCorpus(root);
  const log = pino({ level: 'silent' });
  const services = createServices({ log });
  const checks: readonly Check[] = contentChecks;
  const symbols = checks.flatMap((c) => Object.keys(c.symbols));
  const sources = [...new Set(samples.map((s) => s.source))];
  // counts[source][label][symbol]; totals[source][label]
  const counts = new Map<string, number>();
  const totals = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  // A first pass on copies warms the JIT, so the times below are those of a running server.
  for (const sample of samples) partsOf(withoutArtefacts(sample.raw));
  const messages = samples.map((s) => withoutArtefacts(s.raw));
  let parseMs = 0;
  let checkMs = 0;
  // CPU time too: on a busy machine wall time also counts other processes' turns.
  const cpuStart = process.cpuUsage();
  for (const [i, sample] of samples.entries()) {
    const message = messages[i]!;
    const t0 = performance.now();
    partsOf(message);
    const t1 = performance.now();
    const fired = new Set<string>();
    for (const check of checks) {
      const hits = check.run({ message, log, services, signal: new AbortController().signal, addHeader() {} }) as Hit[];
      for (const hit of hits) {
        fired.add(hit.symbol);
        if (hit.symbol === listed) process.stdout.write(`${sample.file}\t${hit.detail ?? ''}\n`);
      }
    }
    checkMs += performance.now() - t1;
    parseMs += t1 - t0;
    for (const key of [`${sample.source}/${sample.label}`, `all/${sample.label}`]) {
      bump(totals, key);
      for (const symbol of fired) bump(counts, `${key}/${symbol}`);
    }
  }
  if (listed !== undefined) return;
  const cpu = process.cpuUsage(cpuStart);
  const n = samples.length;
  process.stdout.write(`${n} messages from ${root}; wall: partsOf ${(parseMs / n).toFixed(3)} ms/message, checks ${(checkMs / n).toFixed(3)} ms/message; `
    + `CPU of both: ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms/message\n\n`);
  const columns = ['all', ...sources];
  const header = ['spam hits', 'ham hits', ...columns.flatMap((c) => [`${c} spam%`, `${c} ham%`])];
  process.stdout.write(`| symbol | ${header.join(' | ')} |\n|---|${header.map(() => '---:').join('|')}|\n`);
  for (const symbol of symbols) {
    const cells = LABELS.map((label) => String(counts.get(`all/${label}/${symbol}`) ?? 0));
    cells.push(...columns.flatMap((c) => LABELS.map((label) => {
      const key = `${c}/${label}`;
      return percent(counts.get(`${key}/${symbol}`) ?? 0, totals.get(key) ?? 0);
    })));
    process.stdout.write(`| ${symbol} | ${cells.join(' | ')} |\n`);
  }
  process.stdout.write(`\nmessages: ${columns.map((c) => `${c} ${totals.get(`${c}/spam`) ?? 0} spam / ${totals.get(`${c}/ham`) ?? 0} ham`).join(', ')}\n`);
}

main();
