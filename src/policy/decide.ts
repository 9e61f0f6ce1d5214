import { parseReplyCode, type ReplyCode } from '../../protocol/index.js';
import type { Config } from '../config/schema.js';
import type { ScanResult } from '../engine/result.js';

/** What happens to the message. `mark`: delivered with X-Spam-Status: Yes. */
export type Action = 'accept' | 'mark' | 'reject';

export interface Verdict {
  action: Action;
  score: number;
  required: number;
  result: ScanResult;
  /** The SMTP reply for reject. */
  reply?: ReplyCode;
}

export interface Policy {
  spam: number;
  reject: number | null;
  rejectReply: ReplyCode;
}

export function policyFromConfig(config: Pick<Config, 'thresholds' | 'replies'>): Policy {
  return {
    spam: config.thresholds.spam,
    reject: config.thresholds.reject,
    rejectReply: parseReplyCode(config.replies.reject),
  };
}

/** Maps a scan result to an action with the policy's thresholds. */
export function decide(result: ScanResult, policy: Policy): Verdict {
  const score = round(result.score);
  const verdict: Verdict = { action: 'accept', score, required: policy.spam, result };
  if (policy.reject !== null && score >= policy.reject) {
    verdict.action = 'reject';
    verdict.reply = policy.rejectReply;
  } else if (score >= policy.spam) {
    verdict.action = 'mark';
  }
  return verdict;
}

/** Scores are sums of config floats: round so 0.1 + 0.2 prints and compares as 0.3. */
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
