import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import { blockOf, emptyResult } from '../engine/result.js';
import { mergeResult, runEarlyStages } from '../engine/scan.js';
import type { Message } from '../message/message.js';
import { messageFromRaw } from '../message/parse.js';
import { setClientFromReceived } from '../message/received.js';
import { decideFor, type Verdict } from '../policy/decide.js';
import { taggedSubject } from '../policy/header-plan.js';
import { isSpam, statusValue, verdictHeaders } from '../policy/headers.js';
import { PolicyBook, type EffectivePolicy } from '../policy/policies.js';
import { openStores } from '../store/open.js';
import { createEngine } from './compose.js';
import { withStoreOption } from './store-option.js';

export interface CheckOptions {
  json?: boolean;
  config?: string;
  from?: string;
  rcpt?: string[];
  ip?: string;
  hostname?: string;
  helo?: string;
  dataDir?: string;
  store?: string;
}

/** How one recipient fares: its policy and the action it gets. */
interface RecipientOutcome {
  address: string;
  policy: string;
  action: Verdict['action'] | 'refused at RCPT';
  reply?: string;
}

interface Explained {
  verdict: Verdict;
  headers: { name: string; value: string }[];
  recipients: RecipientOutcome[];
  /** An early hard block: the stage and the SMTP reply. */
  blocked?: { stage: string; symbol: string; reply: string };
}

/**
 * Scores files offline with the same checks, policies and headers as the server, for an
 * envelope given on the command line. Exit 1 if a file cannot be read.
 */
export async function check(files: string[], opts: CheckOptions): Promise<number> {
  if (opts.ip !== undefined && isIP(opts.ip) === 0) throw new Error(`--ip ${opts.ip}: not an IP address`);
  if (opts.hostname !== undefined && opts.ip === undefined) throw new Error('--hostname names the client of --ip: give both');
  const config = withStoreOption(await loadConfig(opts.config), opts.store);
  // Bayes reads the token store if one was learned; check never creates state.
  const stores = await openStores(config, { create: false, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) }).catch((err: Error) => {
    process.stderr.write(`thresher: ${err.message}; scoring without Bayes\n`);
    return undefined;
  });
  const tokens = stores?.tokens;
  const engine = createEngine(config, opts.config, { tokens });
  const book = new PolicyBook(config);
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
    const message = messageFromRaw(raw, { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers });
    const explained = await explain(message, opts, config, engine, book, log);
    process.stdout.write(opts.json ? `${JSON.stringify(toJson(file, explained))}\n` : toText(file, explained));
  }
  await stores?.close();
  return status;
}

/** The server's path for one message: early stages (with blocks), recipient policies, end of message. */
async function explain(message: Message, opts: CheckOptions, config: Readonly<Config>, engine: Engine, book: PolicyBook, log: Logger): Promise<Explained> {
  // Without --ip, the client is the relay the message's Received headers say handed it in.
  if (opts.ip !== undefined) {
    message.client = { hostname: opts.hostname ?? '', address: opts.ip, port: 0, family: isIP(opts.ip) === 6 ? 'inet6' : 'inet' };
    message.helo = opts.helo;
  } else {
    setClientFromReceived(message);
    if (opts.helo !== undefined) message.helo = opts.helo;
  }
  message.sender = { address: opts.from ?? '', args: [] };
  const result = emptyResult();
  const blocked = await runEarlyStages(engine, message, result, log);
  if (blocked) return { verdict: decideFor(result, book.fallback), headers: [], recipients: [], blocked };
  const recipients: RecipientOutcome[] = [];
  const policies = new Map<string, EffectivePolicy>();
  for (const address of opts.rcpt ?? []) {
    const policy = book.select({ recipient: address, sender: message.sender.address, clientAddress: message.client?.address, authenticated: false });
    message.recipients.push({ address, args: [] });
    const stageResult = emptyResult();
    await engine.run('rcpt', message, stageResult, log);
    const block = blockOf(stageResult);
    if (block?.block !== undefined) {
      message.recipients.pop();
      recipients.push({ address, policy: policy.name, action: 'refused at RCPT', reply: block.block });
      continue;
    }
    mergeResult(result, stageResult);
    policies.set(address, policy);
  }
  const first = policies.values().next().value ?? book.fallback;
  if (!first.bypassSpamChecks) await engine.run('eom', message, result, log);
  // As the server splits recipients of different policies, each gets its own policy's verdict.
  for (const [address, policy] of policies) {
    const v = decideFor(result, policy);
    recipients.push({ address, policy: policy.name, action: v.action, ...(v.reply ? { reply: `${v.reply.code} ${v.reply.xcode ?? ''} ${v.reply.text}`.replace(/  +/g, ' ') } : {}) });
  }
  const verdict = decideFor(result, first);
  const headers = verdict.action === 'reject' || verdict.action === 'tempfail' || verdict.action === 'discard' ? [] : verdictHeaders(verdict, config.headers);
  const prefix = config.headers.subject_prefix;
  if (prefix !== null && isSpam(verdict) && first.subjectTag && headers.length > 0) {
    headers.push({ name: 'Subject', value: taggedSubject(message.header('subject')[0], prefix) });
  }
  return { verdict, headers, recipients };
}

function toJson(file: string, e: Explained) {
  const v = e.verdict;
  return {
    file,
    score: v.score,
    required: v.required,
    action: e.blocked ? 'reject' : v.action,
    symbols: v.result.symbols.map((s) => ({ name: s.name, score: s.score })),
    headers: e.headers,
    recipients: e.recipients,
    ...(e.blocked ? { blocked: e.blocked } : {}),
  };
}

function toText(file: string, e: Explained): string {
  const v = e.verdict;
  const lines = [e.blocked ? `${file}: reject at ${e.blocked.stage} (${e.blocked.reply})` : `${file}: ${v.action} (${statusValue(v)})`];
  for (const s of v.result.symbols) {
    lines.push(`  ${s.name.padEnd(24)} ${s.score.toFixed(1).padStart(7)}  ${s.description}${s.detail ? ` [${s.detail}]` : ''}`);
  }
  for (const f of v.result.failures) lines.push(`  (check ${f.check} not counted: ${f.reason})`);
  for (const r of e.recipients) lines.push(`  recipient ${r.address}: ${r.action} (policy ${r.policy})${r.reply ? ` ${r.reply}` : ''}`);
  if (e.headers.length > 0) {
    lines.push('  headers added:');
    for (const h of e.headers) lines.push(`    ${h.name}: ${h.value.replace(/\n/g, '\n    ')}`);
  }
  return `${lines.join('\n')}\n`;
}
