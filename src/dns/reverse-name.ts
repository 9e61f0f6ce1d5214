import { parseAddress } from '../net/ip.js';

// An address reversed below a zone, as PTR lookups (in-addr.arpa, ip6.arpa) and DNS lists
// (RFC 5782) ask it: IPv4 as its octets reversed (192.0.2.1 → 1.2.0.192.ZONE), IPv6 as its 32
// nibbles reversed.

export function reversedName(address: string, zone: string): string | undefined {
  const ip = parseAddress(address);
  if (ip === undefined) return undefined;
  const digits = ip.v === 4 ? 4 : 32;
  const parts: string[] = [];
  for (let i = 0; i < digits; i++) {
    parts.push(ip.v === 4 ? String((ip.n >> BigInt(8 * i)) & 0xffn) : ((ip.n >> BigInt(4 * i)) & 0xfn).toString(16));
  }
  return `${parts.join('.')}.${zone}`;
}

/** The PTR name of an address: 1.2.0.192.in-addr.arpa, or ...ip6.arpa. */
export function ptrName(address: string): string | undefined {
  const ip = parseAddress(address);
  if (ip === undefined) return undefined;
  return reversedName(address, ip.v === 4 ? 'in-addr.arpa' : 'ip6.arpa');
}
