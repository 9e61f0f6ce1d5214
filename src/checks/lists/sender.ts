import type { Logger } from 'pino';
import type { ListsConfig } from '../../config/lists.js';
import type { Check, Hit } from '../../engine/check.js';
import { AddressSet, AddressTable, addressPatternProblem } from '../../net/address-pattern.js';
import { ListSource, type ListSourceOptions } from './source.js';

// Envelope sender lists, global (at MAIL) and per recipient (at RCPT). Precedence for one
// sender and one recipient, first rule that applies:
//   1. the recipient's own sender_allow  → RCPT_SENDER_ALLOWLIST (a score), recipient accepted
//   2. the recipient's own sender_block  → RCPT_SENDER_BLOCKLIST, that recipient refused
//   3. the global sender_allow           → SENDER_ALLOWLIST (a score)
//   4. the global sender_block           → SENDER_BLOCKLIST, refused
// Rule 1 beats rule 4, so a global block can only be answered at MAIL when no recipient could
// allow the sender: when some recipient has a sender_allow list, the global block is applied at
// RCPT, recipient by recipient (those whose own list allows the sender are accepted). Without
// per-recipient allow lists it is answered at MAIL, once for the whole transaction.
//
// One message gets one verdict, so a recipient's allow score must not leak to recipients that
// do not allow the sender: a recipient whose own lists judge the sender differently from the
// first accepted recipient is answered 452 4.5.3 and the sending MTA delivers it in its own
// transaction (as Session.onRcpt does for recipients of different policies).
//
// The null sender (bounces, <>) is never matched by a sender list.

export const LISTS_DIFFER_REPLY = '452 4.5.3 Recipient lists judge this sender differently, send it in a separate transaction';

const addresses = (entries: string[]) => new AddressSet(entries);

interface RecipientLists {
  key: string;
  allow: ListSource<AddressSet>;
  block: ListSource<AddressSet>;
}

type Outcome = { kind: 'allow' | 'block'; detail: string; global?: boolean } | { kind: 'none' };

/** Resolves a mix of values and promises without a promise when none is pending. */
function settle<T>(values: Array<T | Promise<T>>, then: (v: T[]) => Hit[]): Hit[] | Promise<Hit[]> {
  if (values.some((v) => v instanceof Promise)) return Promise.all(values).then(then);
  return then(values as T[]);
}

/** The sender list checks the config asks for (none, one or two). */
export function senderListChecks(lists: Readonly<ListsConfig>, opts: ListSourceOptions = {}): Check[] {
  const source = (items: ListsConfig['sender_allow'], at: string) => new ListSource(items, at, addressPatternProblem, addresses, opts);
  const globalAllow = source(lists.sender_allow, 'lists.sender_allow');
  const globalBlock = source(lists.sender_block, 'lists.sender_block');
  const table = new AddressTable<RecipientLists>();
  let recipientAllows = false;
  for (const [key, l] of Object.entries(lists.recipients)) {
    const r = { key, allow: source(l.sender_allow, `lists.recipients.${key}.sender_allow`), block: source(l.sender_block, `lists.recipients.${key}.sender_block`) };
    if (r.allow.empty && r.block.empty) continue;
    recipientAllows ||= !r.allow.empty;
    table.add(key, r);
  }
  const blockAtRcpt = recipientAllows && !globalBlock.empty;
  const reply = lists.replies.sender_block;
  const checks: Check[] = [];

  if (!globalAllow.empty || (!globalBlock.empty && !blockAtRcpt)) {
    checks.push({
      name: 'sender-lists',
      stage: 'mail',
      symbols: {
        SENDER_ALLOWLIST: { score: -20, description: 'Envelope sender is in lists.sender_allow' },
        ...(blockAtRcpt ? {} : { SENDER_BLOCKLIST: { score: 100, description: 'Envelope sender is in lists.sender_block (refused)' } }),
      },
      run({ message, log }) {
        const sender = message.sender?.address ?? '';
        if (sender === '') return [];
        return settle([globalAllow.current(log), globalBlock.current(log)], ([allow, block]) => {
          const allowed = allow!.match(sender);
          if (allowed !== undefined) return [{ symbol: 'SENDER_ALLOWLIST', detail: allowed }];
          const blocked = blockAtRcpt ? undefined : block!.match(sender);
          return blocked === undefined ? [] : [{ symbol: 'SENDER_BLOCKLIST', detail: blocked, block: reply }];
        });
      },
    });
  }

  if (table.size > 0) {
    /** The lists that decide for one recipient: its own allows, its own blocks, then the global ones. */
    const sourcesFor = (own: RecipientLists[]): Array<ListSource<AddressSet>> => [
      ...own.map((r) => r.allow),
      ...own.map((r) => r.block),
      ...(blockAtRcpt ? [globalAllow, globalBlock] : []),
    ];
    /** `sets` are the compiled sourcesFor(own), in that order. */
    const outcome = (sender: string, own: RecipientLists[], sets: AddressSet[]): Outcome => {
      const n = own.length;
      for (const [i, r] of own.entries()) {
        const hit = sets[i]!.match(sender);
        if (hit !== undefined) return { kind: 'allow', detail: `${hit} (${r.key})` };
      }
      for (const [i, r] of own.entries()) {
        const hit = sets[n + i]!.match(sender);
        if (hit !== undefined) return { kind: 'block', detail: `${hit} (${r.key})` };
      }
      if (blockAtRcpt && sets[2 * n]!.match(sender) === undefined) {
        const hit = sets[2 * n + 1]!.match(sender);
        if (hit !== undefined) return { kind: 'block', detail: hit, global: true };
      }
      return { kind: 'none' };
    };
    const current = (sources: Array<ListSource<AddressSet>>, log: Logger) => sources.map((s) => s.current(log));

    checks.push({
      name: 'recipient-sender-lists',
      stage: 'rcpt',
      symbols: {
        RCPT_SENDER_ALLOWLIST: { score: -20, description: 'Envelope sender is in the recipient\'s lists.recipients sender_allow' },
        RCPT_SENDER_BLOCKLIST: { score: 100, description: 'Envelope sender is in the recipient\'s lists.recipients sender_block (recipient refused)' },
        RCPT_LISTS_DIFFER: { score: 0, description: 'Recipient\'s sender lists judge the sender unlike the first recipient\'s: deferred to its own transaction' },
        ...(blockAtRcpt ? { SENDER_BLOCKLIST: { score: 100, description: 'Envelope sender is in lists.sender_block (refused)' } } : {}),
      },
      run({ message, log }) {
        const sender = message.sender?.address ?? '';
        const rcpts = message.recipients;
        const rcpt = rcpts[rcpts.length - 1]?.address;
        if (sender === '' || rcpt === undefined) return [];
        const first = rcpts.length > 1 ? rcpts[0]!.address : undefined;
        const own = table.all(rcpt);
        const firstOwn = first === undefined ? [] : table.all(first);
        const mine = sourcesFor(own);
        const theirs = first === undefined ? [] : sourcesFor(firstOwn);
        return settle([...current(mine, log), ...current(theirs, log)], (sets) => {
          const o = outcome(sender, own, sets.slice(0, mine.length));
          if (o.kind === 'block') {
            return [{ symbol: o.global ? 'SENDER_BLOCKLIST' : 'RCPT_SENDER_BLOCKLIST', detail: o.detail, block: reply }];
          }
          if (first !== undefined) {
            const f = outcome(sender, firstOwn, sets.slice(mine.length));
            if ((f.kind === 'allow') !== (o.kind === 'allow')) {
              const detail = o.kind === 'allow' ? `allowed by ${o.detail}, not for ${first}` : `not allowed, unlike for ${first}`;
              return [{ symbol: 'RCPT_LISTS_DIFFER', detail, block: LISTS_DIFFER_REPLY }];
            }
          }
          return o.kind === 'allow' ? [{ symbol: 'RCPT_SENDER_ALLOWLIST', detail: o.detail }] : [];
        });
      },
    });
  }
  return checks;
}
