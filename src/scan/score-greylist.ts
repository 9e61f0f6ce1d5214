import type { Logger } from 'pino';
import { GREYLIST_SYMBOLS } from '../checks/greylist/classic.js';
import { ENGINE_SYMBOLS } from '../engine/engine.js';
import { addSymbols, type ScoredSymbol } from '../engine/result.js';
import type { Message } from '../message/message.js';
import type { Verdict } from '../policy/decide.js';
import type { EffectivePolicy } from '../policy/policies.js';
import { parseSmtpReply } from '../policy/reply.js';
import type { Pipeline } from './pipeline.js';

// Greylisting by score, the step after the verdict (the store logic is the check's,
// src/checks/greylist/score-mode.ts): a message that would be delivered but scored at least
// its policy's greylist threshold is deferred once; its retry after the block time passes
// with GREYLIST_PASSED in the verdict headers.

const DELIVERED = new Set<Verdict['action']>(['accept', 'mark', 'quarantine']);

export async function greylistByScore(p: Pipeline, m: Message, verdict: Verdict, policy: EffectivePolicy, log: Logger): Promise<Verdict> {
  const step = p.greylistByScore;
  const threshold = policy.policy.greylist;
  if (step === undefined || threshold === null || verdict.score < threshold || !DELIVERED.has(verdict.action) || policy.spamLover) return verdict;
  m.greylisting = policy.greylisting;
  const with_ = (s: ScoredSymbol): Verdict => {
    const result = { ...verdict.result, symbols: [...verdict.result.symbols] };
    addSymbols(result, [s]);
    return { ...verdict, result };
  };
  let hit;
  try {
    hit = await step.judge(m, p.services, log);
  } catch (err) {
    const reason = (err as Error).message;
    log.warn({ check: 'greylist', err: reason, policy: step.onStoreFailure }, 'greylisting by score failed');
    if (step.onStoreFailure === 'tempfail') return { ...verdict, action: 'tempfail', reply: policy.policy.checkFailedReply };
    return with_({ name: 'CHECK_FAILED', score: p.engine.score('CHECK_FAILED'), description: ENGINE_SYMBOLS.CHECK_FAILED!.description, detail: `greylist: ${reason}` });
  }
  if (hit === undefined) return verdict;
  const def = GREYLIST_SYMBOLS[hit.symbol as keyof typeof GREYLIST_SYMBOLS];
  const next = with_({ name: hit.symbol, score: p.engine.score(hit.symbol), description: def.description, detail: hit.detail });
  if (hit.block === undefined) return next;
  log.info({ symbol: hit.symbol, detail: hit.detail, score: verdict.score, reply: hit.block }, 'greylisted by score');
  return { ...next, action: 'tempfail', reply: parseSmtpReply(hit.block), reason: undefined };
}
