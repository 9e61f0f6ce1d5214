import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { emptyResult } from '../engine/result.js';
import { messageFromRaw } from '../message/parse.js';
import { decide, policyFromConfig, type Verdict } from '../policy/decide.js';
import { statusValue } from '../policy/headers.js';
import { createEngine } from './compose.js';

export interface CheckOptions {
  json?: boolean;
  config?: string;
}

/** Scores files offline with the same engine and policy as the server. Exit 1 if a file cannot be read. */
export async function check(files: string[], opts: CheckOptions): Promise<number> {
  const config = await loadConfig(opts.config);
  const engine = createEngine(config);
  const policy = policyFromConfig(config);
  const log = pino({ level: 'warn' }, pino.destination(2));
  let status = 0;
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (err) {
      process.stderr.write(`${file}: ${(err as Error).message}\n`);
      status = 1;
      continue;
    }
    const message = messageFromRaw(raw, {
      maxScanBytes: config.limits.max_scan_bytes,
      maxHeaders: config.limits.max_headers,
    });
    const result = emptyResult();
    for (const stage of ['connect', 'helo', 'mail', 'rcpt', 'eom'] as const) {
      await engine.run(stage, message, result, log);
    }
    const verdict = decide(result, policy);
    process.stdout.write(opts.json ? `${JSON.stringify(toJson(file, verdict))}\n` : toText(file, verdict));
  }
  return status;
}

function toJson(file: string, v: Verdict) {
  return {
    file,
    score: v.score,
    required: v.required,
    action: v.action,
    symbols: v.result.symbols.map((s) => ({ name: s.name, score: s.score })),
  };
}

function toText(file: string, v: Verdict): string {
  const lines = [`${file}: ${v.action} (${statusValue(v)})`];
  for (const s of v.result.symbols) {
    lines.push(`  ${s.name.padEnd(24)} ${s.score.toFixed(1).padStart(7)}  ${s.description}${s.detail ? ` [${s.detail}]` : ''}`);
  }
  for (const f of v.result.failures) lines.push(`  (check ${f.check} not counted: ${f.reason})`);
  return `${lines.join('\n')}\n`;
}
