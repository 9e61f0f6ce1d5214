import type { Logger } from 'pino';
import type { ClientInfo } from '../message/message.js';
import { splitMessage, type SplitMessage } from '../message/parse.js';
import { clientFromReceived } from '../message/received.js';
import type { SmtpReply } from '../policy/reply.js';
import type { Pipeline } from './pipeline.js';
import { OTHER_POLICY_REPLY, Transaction, type Decision, type EndOfMessage } from './transaction.js';

// A saved message through the one transaction, stage by stage as an MTA would send it: what
// `thresher check`, eval and the benchmark score with. Nothing here judges; it only drives.

export interface OfflineEnvelope {
  /** The connecting client; default: the relay the message's Received headers say handed it in. */
  client?: ClientInfo;
  /** HELO name; default: the Received relay's (when the client comes from Received too). */
  helo?: string;
  /** MAIL FROM; default: the Return-Path header's address, else the null sender. */
  sender?: string;
  recipients: readonly string[];
  authenticated?: boolean;
}

/** An early stage (connect, HELO or MAIL) refused or deferred the whole message. */
export interface EarlyRefusal {
  stage: 'connect' | 'helo' | 'mail';
  decision: Exclude<Decision, { kind: 'continue' }>;
}

export interface OfflineOutcome {
  /** Set when the message went no further than an early stage. */
  refused?: EarlyRefusal;
  /**
   * One end of message per transaction: recipients whose policies differ are sent again in a
   * transaction of their own, as the sending MTA does after 452 4.5.3. The first is the message
   * as the first recipient's policy judges it (the only one without recipients).
   */
  transactions: EndOfMessage[];
  /** Recipients refused or deferred at RCPT (other than for a policy of their own). */
  refusedRecipients: { address: string; reply: SmtpReply; symbol?: string }[];
}

/** The address of the Return-Path header: the envelope sender the delivering MTA recorded. */
export function returnPath(m: Pick<SplitMessage, 'header'>): string {
  const value = m.header('return-path')[0] ?? '';
  return /<([^<>\s]*)>/.exec(value)?.[1] ?? value.trim();
}

export async function scanOffline(pipeline: Pipeline, raw: Buffer, env: OfflineEnvelope, log: Logger): Promise<OfflineOutcome> {
  const split = splitMessage(raw);
  const tx = new Transaction(() => pipeline, log);
  const outcome: OfflineOutcome = { transactions: [], refusedRecipients: [] };
  const fromReceived = env.client === undefined ? clientFromReceived(split) : undefined;
  const client = env.client ?? fromReceived?.client;
  const helo = env.helo ?? fromReceived?.helo;
  const early = async (stage: EarlyRefusal['stage'], d: Decision | Promise<Decision>): Promise<boolean> => {
    const decision = await d;
    if (decision.kind === 'continue') return true;
    outcome.refused = { stage, decision };
    return false;
  };
  // A saved message whose origin is unknown is judged without a client, not as one from nowhere.
  if (client !== undefined && !(await early('connect', tx.connect(client)))) return outcome;
  if (helo !== undefined && !(await early('helo', tx.helo(helo)))) return outcome;
  const sender = { address: env.sender ?? returnPath(split), args: [] };
  let pending = [...env.recipients];
  do {
    if (!(await early('mail', tx.mail(sender, { authenticated: env.authenticated ?? false })))) return outcome;
    const later: string[] = [];
    let accepted = 0;
    for (const address of pending) {
      const d = await tx.rcpt({ address, args: [] }, { answerable: true });
      if (d.kind === 'continue') accepted++;
      else if (d.reply === OTHER_POLICY_REPLY) later.push(address);
      else outcome.refusedRecipients.push({ address, reply: d.reply, symbol: d.symbol });
    }
    // Every recipient refused: the MTA sends no DATA (unless the message had none to begin with).
    if (accepted === 0 && pending.length > 0) break;
    for (const f of split.fields) tx.header(f.name, f.value);
    tx.endOfHeaders();
    await tx.body(split.body);
    outcome.transactions.push(await tx.endOfMessage());
    tx.endMessage();
    pending = later;
  } while (pending.length > 0);
  return outcome;
}
