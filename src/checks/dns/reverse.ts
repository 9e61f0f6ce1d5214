import { DnsError, type Resolver } from '../../dns/resolver.js';
import { parseAddress } from '../../net/ip.js';

// Reverse DNS of a client as DNS tells it: its PTR names, each confirmed only when the name's
// own A/AAAA records contain the address (forward-confirmed reverse DNS, FCrDNS; anyone can
// put any name in the PTR of an address they hold). And whether a HELO name resolves, and to
// the client. Time-outs and SERVFAIL are "failed", never taken as "no name".

/** PTR names tried for confirmation: an address with more is unusual and each costs a lookup. */
const MAX_PTR_NAMES = 3;

export type ReverseDns =
  | { kind: 'none' }
  | { kind: 'confirmed'; name: string }
  | { kind: 'unconfirmed'; name: string }
  | { kind: 'failed'; reason: string };

export async function reverseDns(resolver: Resolver, address: string): Promise<ReverseDns> {
  try {
    const names = (await resolver.ptr(address)).slice(0, MAX_PTR_NAMES);
    if (names.length === 0) return { kind: 'none' };
    for (const name of names) {
      if (await resolvesTo(resolver, name, address)) return { kind: 'confirmed', name };
    }
    return { kind: 'unconfirmed', name: names[0]! };
  } catch (err) {
    return { kind: 'failed', reason: err instanceof DnsError ? err.code : (err as Error).message };
  }
}

export type HeloDns = 'no-address' | 'client' | 'other' | 'failed';

/** Whether a HELO name has addresses, and whether the client's is one of them. */
export async function heloDns(resolver: Resolver, helo: string, address: string): Promise<HeloDns> {
  try {
    const [v4, v6] = await Promise.all([resolver.a(helo), resolver.aaaa(helo)]);
    if (v4.length === 0 && v6.length === 0) return 'no-address';
    return contains([...v4, ...v6], address) ? 'client' : 'other';
  } catch {
    return 'failed';
  }
}

/** The lookups reverseDns and heloDns make, started early so they are answered by end of message. */
export function prefetchReverse(resolver: Resolver, address: string): void {
  void reverseDns(resolver, address);
}

export function prefetchHelo(resolver: Resolver, helo: string): void {
  resolver.a(helo).catch(() => undefined);
  resolver.aaaa(helo).catch(() => undefined);
}

async function resolvesTo(resolver: Resolver, name: string, address: string): Promise<boolean> {
  const v6 = parseAddress(address)?.v === 6;
  return contains(await (v6 ? resolver.aaaa(name) : resolver.a(name)), address);
}

function contains(addresses: readonly string[], address: string): boolean {
  const own = parseAddress(address);
  return own !== undefined && addresses.some((a) => {
    const p = parseAddress(a);
    return p !== undefined && p.v === own.v && p.n === own.n;
  });
}
