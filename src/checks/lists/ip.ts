import type { ListsConfig } from '../../config/lists.js';
import type { Check, Hit } from '../../engine/check.js';
import { CidrSet, ipEntryProblem } from '../../net/ip.js';
import { ListSource, type ListSourceOptions } from './source.js';

const cidrs = (entries: string[]) => new CidrSet(entries);

/**
 * Client IP allow and block lists, at connect. The most specific network wins (a /32 in
 * ip_block beats a /24 in ip_allow and the other way round); on equal prefixes, allow wins.
 * Allowed: IP_ALLOWLIST, a score. Blocked: IP_BLOCKLIST and the connection is refused at once
 * with replies.ip_block. Returns undefined when neither list is configured.
 */
export function ipListsCheck(lists: Readonly<ListsConfig>, opts: ListSourceOptions = {}): Check | undefined {
  const allow = new ListSource(lists.ip_allow, 'lists.ip_allow', ipEntryProblem, cidrs, opts);
  const block = new ListSource(lists.ip_block, 'lists.ip_block', ipEntryProblem, cidrs, opts);
  if (allow.empty && block.empty) return undefined;
  const reply = lists.replies.ip_block;

  const decide = (address: string, a: CidrSet, b: CidrSet): Hit[] => {
    const allowed = a.match(address);
    const blocked = b.match(address);
    if (allowed && (!blocked || allowed.bits >= blocked.bits)) return [{ symbol: 'IP_ALLOWLIST', detail: allowed.entry }];
    if (blocked) return [{ symbol: 'IP_BLOCKLIST', detail: blocked.entry, block: reply }];
    return [];
  };

  return {
    name: 'ip-lists',
    stage: 'connect',
    symbols: {
      IP_ALLOWLIST: { score: -20, description: 'Client address is in lists.ip_allow' },
      IP_BLOCKLIST: { score: 100, description: 'Client address is in lists.ip_block (refused at connect)' },
    },
    run({ message, log }) {
      const client = message.client;
      if (client === undefined || (client.family !== 'inet' && client.family !== 'inet6')) return [];
      const a = allow.current(log);
      const b = block.current(log);
      if (a instanceof Promise || b instanceof Promise) {
        return Promise.all([a, b]).then(([x, y]) => decide(client.address, x, y));
      }
      return decide(client.address, a, b);
    },
  };
}
