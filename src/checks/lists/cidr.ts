import { isIP } from 'node:net';

// A small IPv4/IPv6 network table with longest-prefix lookup, so a hit can name the entry it
// matched (node:net BlockList only says yes or no). Entries live in one map per prefix length,
// keyed by the network's masked value; a lookup tries the lengths present, longest first: at
// most 33 or 129 map probes, whatever the size of the list.
//
// IPv4-mapped IPv6 (::ffff:192.0.2.1, as a dual-stack listener reports IPv4 clients) is
// treated as the IPv4 address, for clients and for entries (::ffff:192.0.2.0/120 is
// 192.0.2.0/24), so either spelling matches either.

export interface IpAddress {
  v: 4 | 6;
  /** The address as an integer (IPv4 in 32 bits, IPv6 in 128). */
  n: bigint;
}

export interface CidrHit {
  /** The entry as written in the list. */
  entry: string;
  bits: number;
}

const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

/** Parses an IP address as a client may report it; undefined if it is not one. */
export function parseIp(raw: string): IpAddress | undefined {
  let s = raw.trim();
  if (/^ipv6:/i.test(s)) s = s.slice(5); // Sendmail: "IPv6:2001:db8::1"
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%'); // fe80::1%eth0
  if (zone >= 0) s = s.slice(0, zone);
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

/** A set of networks; `match` returns the longest (most specific) one containing an address. */
export class CidrSet {
  private readonly tables = { 4: new Map<number, Map<bigint, string>>(), 6: new Map<number, Map<bigint, string>>() };
  private lengths: { 4: number[]; 6: number[] } = { 4: [], 6: [] };
  size = 0;

  /** Adds an address or CIDR entry (validated by ipEntryProblem); host bits are ignored. */
  add(entry: string): void {
    const slash = entry.indexOf('/');
    const ip = parseIp(slash < 0 ? entry : entry.slice(0, slash));
    if (ip === undefined) throw new Error(`not an IP or CIDR: ${entry}`);
    const written = isIP(slash < 0 ? entry : entry.slice(0, slash)) === 4 ? 32 : 128;
    let bits = slash < 0 ? written : Number(entry.slice(slash + 1));
    if (ip.v === 4 && written === 128) {
      // ::ffff:a.b.c.d/n: an IPv4 network if n covers the ::ffff: prefix, else an IPv6 one.
      if (bits < 96) return this.put(6, bits, (MAPPED_PREFIX | ip.n) >> BigInt(128 - bits), entry);
      bits -= 96;
    }
    this.put(ip.v, bits, ip.n >> BigInt((ip.v === 4 ? 32 : 128) - bits), entry);
  }

  private put(v: 4 | 6, bits: number, key: bigint, entry: string): void {
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

  match(address: string | IpAddress): CidrHit | undefined {
    const ip = typeof address === 'string' ? parseIp(address) : address;
    if (ip === undefined) return undefined;
    const width = ip.v === 4 ? 32 : 128;
    for (const bits of this.lengths[ip.v]) {
      const entry = this.tables[ip.v].get(bits)!.get(ip.n >> BigInt(width - bits));
      if (entry !== undefined) return { entry, bits };
    }
    return undefined;
  }
}
