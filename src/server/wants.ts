import { Action, MacroStage, type ReplyStage, type Wants } from '../../protocol/index.js';
import type { Engine } from '../engine/engine.js';

/**
 * What to ask the MTA for, derived from the registered checks: replies only where a check
 * can change the answer, the body only while it is scanned, the macros the log line uses.
 */
export function wantsFor(engine: Engine, recipientPolicies = false): Wants {
  const replyStages = new Set<ReplyStage>();
  for (const stage of ['connect', 'helo', 'mail', 'rcpt'] as const) {
    if (engine.hasStage(stage)) replyStages.add(stage);
  }
  // With policies, recipients of different policies are answered one by one (see Session.onRcpt).
  if (recipientPolicies) replyStages.add('rcpt');
  // Body chunks are answered so that SMFIR_SKIP can stop the transfer at the scan limit.
  replyStages.add('body');
  return {
    requiredActions: Action.ADDHDRS,
    optionalActions: Action.CHGHDRS | Action.QUARANTINE,
    replyStages,
    skipBody: true,
    macros: {
      [MacroStage.CONNECT]: ['j', '{daemon_name}'],
      [MacroStage.ENVFROM]: ['i', '{auth_authen}'],
      [MacroStage.EOM]: ['i'],
    },
  };
}
