import { isIP } from 'node:net';

// Client addresses as MTAs and headers write them, and networks of them. One address has many
// spellings: Sendmail writes IPv6 clients as "IPv6:2001:db8::1" ({client_addr}, `_`, and the
// connect command), a dual-stack listener reports IPv4 clients as IPv4-mapped IPv6
// (::ffff:192.0.2.1), HELO and Received bracket them ([192.0.2.1], [IPv6:2001:db8::1]), a
// link-local one may carry a zone (fe80::1%eth0). parseAddress reads every spelling to one
// value, so nothing else in the code compares address text.
//
// Families are strict. An IPv4-mapped address is its IPv4 address, and an IPv4 client is
// matched by IPv4 networks only: an entry written mapped (::ffff:192.0.2.0/120) is the IPv4
// network 192.0.2.0/24, and an IPv6 network, even ::/0, never contains an IPv4 client. Postfix's
// cidr tables read them the same way, and "::/0" keeps meaning "every IPv6 client".
//
// A mapped entry with a prefix below 96 (::ffff:192.0.2.1/95) reaches outside the mapped range.
// Read as IPv6 it is ::fffe:0:0/95: every IPv4 address plus a slice of unassigned IPv6; more
// often it is an IPv4 prefix written after a mapped address (::ffff:10.0.0.0/8 for 10.0.0.0/8),
// which as IPv6 would be ::/8 and take in every IPv4 client. Either reading silently does what
// the admin did not mean, so the entry is refused, naming the spellings that say it plainly.

export interface IpAddress {
  v: 4 | 6;
  /** The address as an integer (IPv4 in 32 bits, IPv6 in 128). */
  n: bigint;
}

/** A network as a CidrSet stores it: the family, the prefix length and the masked value. */
interface Network {
  v: 4 | 6;
  bits: number;
  key: bigint;
}

const WIDTH = { 4: 32, 6: 128 } as const;
/** ::ffff:0:0/96, the IPv4-mapped range (RFC 4291 section 2.5.5.2). */
const MAPPED_PREFIX_BITS = 96;

/** Parses an address in any spelling a client may be reported in; undefined if it is not one. */
export function parseAddress(raw: string): IpAddress | undefined {
  let s = raw.trim();
  if (/^ipv6:/i.test(s)) s = s.slice(5);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (/^ipv6:/i.test(s)) s = s.slice(5); // [IPv6:2001:db8::1], RFC 5321's address literal
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  return parsePlain(s);
}

/** An address written plainly (no prefix, brackets or zone), unmapped to IPv4 when mapped. */
function parsePlain(s: string): IpAddress | undefined {
  const family = isIP(s);
  if (family === 4) return { v: 4, n: v4(s) };
  if (family !== 6) return undefined;
  const n = v6(s);
  if (n >> 32n === 0xffffn) return { v: 4, n: n & 0xffffffffn };
  return { v: 6, n };
}

function v4(s: string): bigint {
  let n = 0n;
  for (const part of s.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

/** IPv6 text (already validated by isIP) to a 128-bit integer, with `::` and an IPv4 tail. */
function v6(s: string): bigint {
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const n = Number(v4(g));
        groups.push(n >>> 16, n & 0xffff);
      } else groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const gap = s.indexOf('::');
  const head = toGroups(gap < 0 ? s : s.slice(0, gap));
  const tail = gap < 0 ? [] : toGroups(s.slice(gap + 2));
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

/** An IPv4 address as its four decimal numbers, "192.0.2.1". */
export function dottedQuad(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 0xffn)).join('.');
}

/** A list entry (address or CIDR network, written plainly) as a network, or why it is not one. */
function parseEntry(entry: string): Network | string {
  const slash = entry.indexOf('/');
  const text = slash < 0 ? entry : entry.slice(0, slash);
  const bitsText = slash < 0 ? undefined : entry.slice(slash + 1);
  const written = isIP(text);
  const ip = text.includes('%') ? undefined : parsePlain(text);
  if (ip === undefined || (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText))) return `not an IP or CIDR: ${entry}`;
  const writtenWidth = written === 4 ? 32 : 128;
  let bits = bitsText === undefined ? writtenWidth : Number(bitsText);
  if (bits > writtenWidth) return `not an IP or CIDR: ${entry}`;
  if (ip.v === 4 && written === 6) {
    if (bits < MAPPED_PREFIX_BITS) {
      const ipv4 = bits <= 32 ? `; the IPv4 network is written ${dottedQuad(ip.n)}/${bits}` : '';
      return `${entry}: an IPv4-mapped network needs a prefix of 96 to 128${ipv4}; an IPv6 one is written without the IPv4 tail`;
    }
    bits -= MAPPED_PREFIX_BITS;
  }
  return { v: ip.v, bits, key: ip.n >> BigInt(WIDTH[ip.v] - bits) };
}

/** Why an IP list entry is invalid, or undefined: an IPv4/IPv6 address or CIDR network. */
export function ipEntryProblem(entry: string): string | undefined {
  const parsed = parseEntry(entry);
  return typeof parsed === 'string' ? parsed : undefined;
}

export interface CidrHit {
  /** The entry as written in the list. */
  entry: string;
  bits: number;
}

/**
 * A set of networks with longest-prefix lookup, so a hit can name the entry it matched
 * (node:net BlockList only says yes or no, and its families are not strict). Entries live in
 * one map per prefix length, keyed by the network's masked value; a lookup tries the lengths
 * present, longest first: at most 33 or 129 map probes, whatever the size of the list.
 */
export class CidrSet {
  private readonly tables = { 4: new Map<number, Map<bigint, string>>(), 6: new Map<number, Map<bigint, string>>() };
  private lengths: { 4: number[]; 6: number[] } = { 4: [], 6: [] };
  size = 0;

  constructor(entries: Iterable<string> = []) {
    for (const e of entries) this.add(e);
  }

  /** Adds an address or CIDR entry (see ipEntryProblem); host bits are ignored. */
  add(entry: string): void {
    const network = parseEntry(entry);
    if (typeof network === 'string') throw new Error(network);
    const { v, bits, key } = network;
    let table = this.tables[v].get(bits);
    if (!table) {
      table = new Map();
      this.tables[v].set(bits, table);
      this.lengths[v] = [...this.tables[v].keys()].sort((a, b) => b - a);
    }
    // The first entry for a network is the one reported.
    if (!table.has(key)) table.set(key, entry);
    this.size++;
  }

  /** The longest (most specific) entry containing the address, in any of its spellings. */
  match(address: string | IpAddress): CidrHit | undefined {
    const ip = typeof address === 'string' ? parseAddress(address) : address;
    if (ip === undefined) return undefined;
    for (const bits of this.lengths[ip.v]) {
      const entry = this.tables[ip.v].get(bits)!.get(ip.n >> BigInt(WIDTH[ip.v] - bits));
      if (entry !== undefined) return { entry, bits };
    }
    return undefined;
  }

  has(address: string | IpAddress): boolean {
    return this.match(address) !== undefined;
  }
}

export type AddressScope = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'public';

/** Addresses of the site's own network and of no network (RFC 1122, 1918, 3927, 4193, 4291). */
const SCOPES: Record<string, Exclude<AddressScope, 'public'>> = {
  '0.0.0.0/8': 'unspecified',
  '::/128': 'unspecified',
  '127.0.0.0/8': 'loopback',
  '::1/128': 'loopback',
  '10.0.0.0/8': 'private',
  '172.16.0.0/12': 'private',
  '192.168.0.0/16': 'private',
  'fc00::/7': 'private',
  '169.254.0.0/16': 'link-local',
  'fe80::/10': 'link-local',
};
const LOCAL_NETWORKS = new CidrSet(Object.keys(SCOPES));

/** Where an address belongs; 'public' also for text that is not an address. */
export function addressScope(address: string | IpAddress): AddressScope {
  const hit = LOCAL_NETWORKS.match(address);
  return hit === undefined ? 'public' : SCOPES[hit.entry]!;
}

/** Loopback, private, link-local or unspecified: a device on the site's own network. */
export function isLocalAddress(address: string | IpAddress): boolean {
  return addressScope(address) !== 'public';
}

/**
 * The network of a client address as a key, "192.0.2.0/24" or "2001:db8:1:2::/64": the
 * addresses one sender's pool retries from share it (greylisting, rate limits). Undefined for
 * text that is not an address (a unix socket path).
 */
export function networkKey(address: string | IpAddress, v4Bits: number, v6Bits: number): string | undefined {
  const ip = typeof address === 'string' ? parseAddress(address) : address;
  if (ip === undefined) return undefined;
  const bits = ip.v === 4 ? v4Bits : v6Bits;
  const shift = BigInt(WIDTH[ip.v] - bits);
  const masked = (ip.n >> shift) << shift;
  if (ip.v === 4) return `${dottedQuad(masked)}/${bits}`;
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((masked >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${bits}`;
}
