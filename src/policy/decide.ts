import type { Config } from '../config/schema.js';
import type { Outcome, ScanResult } from '../engine/result.js';
import { parseSmtpReply, type SmtpReply } from './reply.js';

/**
 * What happens to the message. `accept`: delivered (with verdict headers unless below the tag
 * threshold); `mark`: spam, delivered with X-Spam-Status: Yes and the spam headers;
 * `quarantine`: marked and put on hold; `tempfail`: deferred with a 4xx; `reject`: refused
 * with a 5xx; `discard`: accepted and dropped.
 */
export type Action = 'accept' | 'mark' | 'quarantine' | 'tempfail' | 'reject' | 'discard';

/** When two thresholds are equal, the more final action wins. */
const SEVERITY: Record<Action, number> = { accept: 0, mark: 1, quarantine: 2, tempfail: 3, reject: 4, discard: 5 };

export interface Verdict {
  action: Action;
  score: number;
  required: number;
  /** Verdict headers are added (score at or above the tag threshold, or no tag threshold). */
  tagged: boolean;
  result: ScanResult;
  /** The SMTP reply for reject and tempfail. */
  reply?: SmtpReply;
  /** The hold reason for quarantine. */
  reason?: string;
  /** The finding that decided the action instead of the score (a virus), if one did. */
  outcome?: Outcome;
}

export interface Policy {
  tag: number | null;
  spam: number;
  quarantine: number | null;
  tempfail: number | null;
  reject: number | null;
  discard: number | null;
  /** Score at which greylisting by score defers the message (src/checks/greylist/); null: never. */
  greylist: number | null;
  rejectReply: SmtpReply;
  tempfailReply: SmtpReply;
  /** The reply when a check that fails closed (failure policy tempfail) failed. */
  checkFailedReply: SmtpReply;
  quarantineReason: string;
}

export function policyFromConfig(config: Pick<Config, 'thresholds' | 'replies'>): Policy {
  const t = config.thresholds;
  return {
    tag: t.tag,
    spam: t.spam,
    quarantine: t.quarantine,
    tempfail: t.tempfail,
    reject: t.reject,
    discard: t.discard,
    greylist: t.greylist,
    rejectReply: parseSmtpReply(config.replies.reject),
    tempfailReply: parseSmtpReply(config.replies.tempfail),
    checkFailedReply: parseSmtpReply(config.replies.check_failed),
    quarantineReason: config.replies.quarantine,
  };
}

/**
 * Maps a scan result to an action: of the thresholds the score reaches, the highest one
 * decides (as rspamd orders its actions by score); on a tie the more final action wins.
 */
export function decide(result: ScanResult, policy: Policy): Verdict {
  const score = round(result.score);
  let action: Action = 'accept';
  let reached = -Infinity;
  const candidates: [Action, number | null][] = [
    ['mark', policy.spam],
    ['quarantine', policy.quarantine],
    ['tempfail', policy.tempfail],
    ['reject', policy.reject],
    ['discard', policy.discard],
  ];
  for (const [a, threshold] of candidates) {
    if (threshold === null || score < threshold) continue;
    if (threshold > reached || (threshold === reached && SEVERITY[a] > SEVERITY[action])) {
      action = a;
      reached = threshold;
    }
  }
  const verdict: Verdict = {
    action,
    score,
    required: policy.spam,
    tagged: policy.tag === null || score >= policy.tag || action !== 'accept',
    result,
  };
  if (action === 'reject') verdict.reply = policy.rejectReply;
  if (action === 'tempfail') verdict.reply = policy.tempfailReply;
  if (action === 'quarantine') verdict.reason = policy.quarantineReason.replace(/\{score\}/g, score.toFixed(1));
  return verdict;
}

/** Scores are sums of config floats: round so 0.1 + 0.2 prints and compares as 0.3. */
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** What the policy of the message's recipients makes of the thresholds' verdict. */
export interface PolicyShape {
  policy: Policy;
  spamAction: 'mark' | 'quarantine' | 'fail';
  spamLover: boolean;
  bypassSpamChecks: boolean;
  virusLover: boolean;
  bypassVirusChecks: boolean;
}

/**
 * The verdict under a recipient policy: its thresholds decide; at the spam threshold its
 * spam_action turns `mark` into quarantine or reject; a spam lover is never held, refused,
 * deferred or dropped; bypassed spam checks mean the message is accepted unscored. A
 * finding with an outcome (a virus) then decides if it is more final, unless the policy
 * waives its family: a virus lover gets the virus, a spam lover a DMARC failure.
 */
export function decideFor(result: ScanResult, p: PolicyShape): Verdict {
  let v = spamVerdict(result, p);
  // A check that fails closed did not run: its verdict is unknown, so the MTA retries later.
  // Not even a spam lover gets mail that, say, the virus scanner could not look at.
  if (result.failures.some((f) => f.policy === 'tempfail')) v = { ...v, action: 'tempfail', reply: p.policy.checkFailedReply, reason: undefined };
  for (const s of result.symbols) {
    const o = s.outcome;
    if (o === undefined || SEVERITY[o.action] <= SEVERITY[v.action]) continue;
    if (o.family === 'virus' && p.virusLover) continue;
    if (o.family === 'spam' && (p.spamLover || p.bypassSpamChecks)) continue;
    v = { ...v, action: o.action, reply: o.reply === undefined ? (o.action === 'reject' ? p.policy.rejectReply : undefined) : parseSmtpReply(o.reply), reason: o.action === 'quarantine' ? (o.reason ?? v.reason ?? p.policy.quarantineReason.replace(/\{score\}/g, v.score.toFixed(1))) : undefined, outcome: o };
  }
  return v;
}

function spamVerdict(result: ScanResult, p: PolicyShape): Verdict {
  const v = decide(result, p.policy);
  if (p.bypassSpamChecks) return { ...v, action: 'accept', reply: undefined, reason: undefined };
  if (v.action === 'mark' && p.spamAction === 'quarantine') {
    return { ...v, action: 'quarantine', reason: p.policy.quarantineReason.replace(/\{score\}/g, v.score.toFixed(1)) };
  }
  if (v.action === 'mark' && p.spamAction === 'fail') return { ...v, action: 'reject', reply: p.policy.rejectReply };
  if (p.spamLover && v.action !== 'accept' && v.action !== 'mark') return { ...v, action: 'mark', reply: undefined, reason: undefined };
  return v;
}
