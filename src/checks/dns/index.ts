import type { DnsblConfig } from '../../config/dnsbl.js';
import { messageResolver } from '../../dns/per-message.js';
import type { Check } from '../../engine/check.js';
import { isLocalAddress, parseAddress } from '../../net/ip.js';
import { buildLists, listsCheck, prefetchClient } from './lists-check.js';
import { prefetchHelo, prefetchReverse } from './reverse.js';

// The DNS checks: lookups start at connect and HELO (checks with no symbols of their own, that
// answer at once), and are read at end of message by the DNS list check and the relay check
// (reverse DNS), through the resolver's cache and its sharing of lookups in flight.

export function dnsChecks(c: DnsblConfig): Check[] {
  const lists = buildLists(c);
  const hasLists = lists.ip.length + lists.domain.length > 0;
  if (!hasLists && !c.reverse_dns) return [listsCheck(c, lists)];
  const checks: Check[] = [
    {
      name: 'dns-prefetch-connect',
      stage: 'connect',
      symbols: {},
      run(ctx) {
        prefetchClient(ctx, lists);
        const client = ctx.message.client;
        if (c.reverse_dns && client !== undefined && (client.family === 'inet' || client.family === 'inet6') && !isLocalAddress(client.address)) {
          prefetchReverse(messageResolver(ctx.services.resolver, ctx.message), client.address);
        }
        return [];
      },
    },
  ];
  if (c.reverse_dns) {
    checks.push({
      name: 'dns-prefetch-helo',
      stage: 'helo',
      symbols: {},
      run(ctx) {
        const helo = ctx.message.helo?.trim();
        if (helo !== undefined && helo.includes('.') && !helo.startsWith('[') && parseAddress(helo) === undefined) prefetchHelo(messageResolver(ctx.services.resolver, ctx.message), helo);
        return [];
      },
    });
  }
  checks.push(listsCheck(c, lists));
  return checks;
}
