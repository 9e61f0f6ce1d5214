import { emptyResult, type ScoredSymbol } from '../engine/result.js';
import type { Verdict } from '../policy/decide.js';
import { statusValue } from '../policy/headers.js';
import { formatSmtpReply } from '../policy/reply.js';
import type { OfflineOutcome } from '../scan/offline.js';

// How `thresher check` explains one message: as text for the admin, or as one JSON line.

/** How one recipient fares: its policy and the action it gets. */
interface RecipientOutcome {
  address: string;
  policy: string;
  action: Verdict['action'] | 'refused at RCPT';
  reply?: string;
}

export interface Explained {
  verdict: Verdict;
  headers: { name: string; value: string }[];
  recipients: RecipientOutcome[];
  /** An early hard block: the stage and the SMTP reply. */
  blocked?: { stage: string; symbol: string; reply: string };
}

/** What the transaction decided, per recipient in the order given. */
export function explain(o: OfflineOutcome, policyOf: (recipient: string) => string): Explained {
  if (o.refused !== undefined) {
    const { stage, decision } = o.refused;
    return {
      verdict: { action: 'reject', score: 0, required: 0, tagged: false, result: emptyResult() },
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

/** Highest score first, then by name: what moved the verdict most leads. */
function sorted(symbols: readonly ScoredSymbol[]): ScoredSymbol[] {
  return [...symbols].sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function toJson(file: string, e: Explained) {
  const v = e.verdict;
  return {
    file,
    score: v.score,
    required: v.required,
    action: e.blocked ? 'reject' : v.action,
    // In the verdict's own order, as X-Spam-Result lists them; a program sorts as it needs.
    symbols: v.result.symbols.map((s) => ({ name: s.name, score: s.score, description: s.description, ...(s.detail !== undefined ? { detail: s.detail } : {}) })),
    ...(v.result.failures.length > 0 ? { failures: v.result.failures } : {}),
    headers: e.headers,
    recipients: e.recipients,
    ...(e.blocked ? { blocked: e.blocked } : {}),
  };
}

/**
 * Symbols that score 0.0 come last, under a line of their own: they did not move the score,
 * yet an admin needs them in sight (NOT_FULLY_SCANNED and CHECK_FAILED say the verdict is
 * incomplete, and a rule scored 0 is the one to weigh when tuning), so they are set apart
 * rather than hidden behind an option.
 */
export function toText(file: string, e: Explained): string {
  const v = e.verdict;
  const lines = [e.blocked ? `${file}: reject at ${e.blocked.stage} (${e.blocked.reply})${e.blocked.symbol ? ` by ${e.blocked.symbol}` : ''}` : `${file}: ${v.action} (${statusValue(v)})`];
  const symbols = sorted(v.result.symbols);
  const nameWidth = Math.max(0, ...symbols.map((s) => s.name.length));
  const scoreWidth = Math.max(0, ...symbols.map((s) => s.score.toFixed(1).length));
  const row = (s: ScoredSymbol) => `  ${s.name.padEnd(nameWidth)}  ${s.score.toFixed(1).padStart(scoreWidth)}  ${s.description}${s.detail ? ` [${s.detail}]` : ''}`;
  const scored = symbols.filter((s) => s.score !== 0);
  const zero = symbols.filter((s) => s.score === 0);
  lines.push(...scored.map(row));
  if (zero.length > 0) lines.push('  not scored (0.0):', ...zero.map(row));
  for (const f of v.result.failures) lines.push(`  (check ${f.check} not counted: ${f.reason})`);
  for (const r of e.recipients) lines.push(`  recipient ${r.address}: ${r.action} (policy ${r.policy})${r.reply ? ` ${r.reply}` : ''}`);
  if (e.headers.length > 0) {
    lines.push('  headers added:');
    for (const h of e.headers) lines.push(`    ${h.name}: ${h.value.replace(/\n/g, '\n    ')}`);
  }
  return `${lines.join('\n')}\n`;
}
