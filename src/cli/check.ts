import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import type { Verdict } from '../policy/decide.js';
import { statusValue } from '../policy/headers.js';
import { formatSmtpReply } from '../policy/reply.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { scanOffline, type OfflineOutcome } from '../scan/offline.js';
import { openTokenFileIfUsable } from './token-file.js';
import { UsageError } from './usage-error.js';

export interface CheckOptions {
  json?: boolean;
  config?: string;
  from?: string;
  rcpt?: string[];
  ip?: string;
  hostname?: string;
  helo?: string;
  dataDir?: string;
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
 * Scores files offline through the server's own transaction (same checks, policies and
 * headers), for an envelope given on the command line. Exit 1 if a file cannot be read.
 */
export async function check(files: string[], opts: CheckOptions): Promise<number> {
  if (opts.ip !== undefined && isIP(opts.ip) === 0) throw new UsageError(`check --ip ${opts.ip}: not an IP address`);
  if (opts.hostname !== undefined && opts.ip === undefined) throw new UsageError('check --hostname names the client of --ip: give both');
  const config = await loadConfig(opts.config);
  // Bayes reads the token file if one was learned; check never creates state.
  const tokens = openTokenFileIfUsable(config, opts.dataDir, false, (file, message) => {
    process.stderr.write(`thresher: ${file}: ${message}; scoring without Bayes\n`);
  });
  const log = pino({ level: 'warn' }, pino.destination(2));
  const pipeline = createPipeline(config, { services: createServices({ log }), source: opts.config, tokens });
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
    const outcome = await scanOffline(pipeline, raw, {
      // Without --ip, the client is the relay the message's Received headers say handed it in.
      client: opts.ip === undefined ? undefined : { hostname: opts.hostname ?? '', address: opts.ip, port: 0, family: isIP(opts.ip) === 6 ? 'inet6' : 'inet' },
      helo: opts.helo,
      sender: opts.from ?? '',
      recipients: opts.rcpt ?? [],
    }, log);
    const explained = explain(outcome, (recipient) => pipeline.policies.select({ recipient, sender: opts.from ?? '', clientAddress: opts.ip, authenticated: false }).name);
    process.stdout.write(opts.json ? `${JSON.stringify(toJson(file, explained))}\n` : toText(file, explained));
  }
  tokens?.close();
  return status;
}

/** What the transaction decided, per recipient in the order given. */
function explain(o: OfflineOutcome, policyOf: (recipient: string) => string): Explained {
  if (o.refused !== undefined) {
    const { stage, decision } = o.refused;
    return {
      verdict: { action: 'reject', score: 0, required: 0, tagged: false, result: { symbols: [], score: 0, failures: [] } },
      headers: [],
      recipients: [],
      blocked: { stage, symbol: decision.symbol ?? '', reply: formatSmtpReply(decision.reply) },
    };
  }
  const first = o.transactions[0]!;
  const recipients: RecipientOutcome[] = o.refusedRecipients.map((r) => ({ address: r.address, policy: policyOf(r.address), action: 'refused at RCPT', reply: formatSmtpReply(r.reply) }));
  for (const t of o.transactions) {
    const reply = t.verdict.reply ? formatSmtpReply(t.verdict.reply) : undefined;
    for (const r of t.recipients) recipients.push({ ...r, ...(reply ? { reply } : {}) });
  }
  const headers = first.edits.filter((e) => e.op !== 'delete').map((e) => ({ name: e.name, value: (e as { value: string }).value }));
  return { verdict: first.verdict, headers, recipients };
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
  const lines = [e.blocked ? `${file}: reject at ${e.blocked.stage} (${e.blocked.reply})${e.blocked.symbol ? ` by ${e.blocked.symbol}` : ''}` : `${file}: ${v.action} (${statusValue(v)})`];
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
