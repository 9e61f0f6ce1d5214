import { Action, Flag, MacroStage, MILTER_VERSION, MIN_MILTER_VERSION, Reply } from './constants.js';
import { cstr, frame, uint32 } from './encode.js';
import { ProtocolError } from './errors.js';
import type { OptNeg } from './commands/types.js';

/** Milter stages that can be told "no reply needed" (SMFIP_NR_*). */
export type ReplyStage = 'connect' | 'helo' | 'mail' | 'rcpt' | 'data' | 'unknown' | 'header' | 'eoh' | 'body';

const NO_REPLY_FLAG: Record<ReplyStage, number> = {
  connect: Flag.NR_CONN,
  helo: Flag.NR_HELO,
  mail: Flag.NR_MAIL,
  rcpt: Flag.NR_RCPT,
  data: Flag.NR_DATA,
  unknown: Flag.NR_UNKN,
  header: Flag.NR_HDR,
  eoh: Flag.NR_EOH,
  body: Flag.NR_BODY,
};

/** What the registered checks need from the MTA, derived by the engine. */
export interface Wants {
  /** SMFIF_* actions without which we cannot work (e.g. ADDHDRS for X-Spam-Status). */
  requiredActions: number;
  /** SMFIF_* actions used when granted (e.g. CHGHDRS to remove forged verdict headers). */
  optionalActions: number;
  /** Stages whose reply can change the outcome; every other stage is asked as no-reply. */
  replyStages: ReadonlySet<ReplyStage>;
  /** Stop the body transfer with SMFIR_SKIP once enough is read. */
  skipBody: boolean;
  /** Macros to ask for, per stage (SMFIR_SETSYMLIST), where the MTA allows choosing. */
  macros: Partial<Record<MacroStage, readonly string[]>>;
}

export interface Negotiated {
  version: number;
  /** Actions granted: offered by the MTA and wanted by us. */
  actions: number;
  /** Protocol flags agreed: offered by the MTA and asked by us. */
  protocol: number;
  /** Required actions the MTA did not offer: a configuration problem to report loudly. */
  missingActions: number;
  /** Macros requested through SETSYMLIST ({} when the MTA does not support it). */
  macros: Partial<Record<MacroStage, readonly string[]>>;
  /** The SMFIC_OPTNEG answer to send. */
  reply: Buffer;
}

export function noReplyFlag(stage: ReplyStage): number {
  return NO_REPLY_FLAG[stage];
}

/**
 * Answers the MTA's OPTNEG: the highest version both speak, never an action or protocol flag
 * the MTA did not offer (libmilter and Postfix drop the connection if we do).
 */
export function negotiate(mta: OptNeg, wants: Wants): Negotiated {
  if (mta.version < MIN_MILTER_VERSION) {
    throw new ProtocolError('MALFORMED', `milter protocol version ${mta.version} is older than ${MIN_MILTER_VERSION}`);
  }
  const version = Math.min(mta.version, MILTER_VERSION);
  const offeredActions = mta.actions;
  const offeredFlags = mta.protocol;

  const hasMacroLists = Object.values(wants.macros).some((names) => names !== undefined && names.length > 0);
  const useSymlist = version >= 6 && (offeredActions & Action.SETSYMLIST) !== 0 && hasMacroLists;
  let actions = (wants.requiredActions | wants.optionalActions) & offeredActions;
  if (useSymlist) actions |= Action.SETSYMLIST;

  let wanted = Flag.HDR_LEADSPC;
  // Unknown SMTP commands are only worth receiving when a check answers them.
  if (!wants.replyStages.has('unknown')) wanted |= Flag.NOUNKNOWN;
  for (const stage of Object.keys(NO_REPLY_FLAG) as ReplyStage[]) {
    if (!wants.replyStages.has(stage)) wanted |= NO_REPLY_FLAG[stage];
  }
  if (wants.skipBody) wanted |= Flag.SKIP;
  const protocol = wanted & offeredFlags;

  const parts: Buffer[] = [uint32(version, 'version'), uint32(actions, 'actions'), uint32(protocol, 'protocol')];
  const macros: Partial<Record<MacroStage, readonly string[]>> = {};
  if (useSymlist) {
    for (const [stage, names] of Object.entries(wants.macros) as [string, readonly string[]][]) {
      if (names.length === 0) continue;
      macros[Number(stage) as MacroStage] = names;
      parts.push(uint32(Number(stage), 'macro stage'), cstr(names.join(' '), 'macro list'));
    }
  }
  return {
    version,
    actions,
    protocol,
    missingActions: wants.requiredActions & ~offeredActions,
    macros,
    reply: frame(Reply.OPTNEG, ...parts),
  };
}
