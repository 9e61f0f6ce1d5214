import { Resolver as NodeResolver } from 'node:dns/promises';
import { DnsError, type MxRecord } from './resolver.js';

// Queries through Node's built-in c-ares resolver: time-out and tries per query, TCP when a UDP
// answer is truncated, IPv4 and IPv6 server addresses, servers from /etc/resolv.conf by default.
// Chosen over dns2's client by measurement (docs/dns.md): a third to a half of its CPU per lookup,
// and dns2 2.x's TCP retry has no time-out and sends IPv6 servers' queries to the wrong address.
// c-ares reports TTLs only for A and AAAA; the cache supplies the rest (service.ts).

export type RecordType = 'A' | 'AAAA' | 'TXT' | 'MX' | 'PTR';

export interface RecordOf {
  A: string;
  AAAA: string;
  TXT: string;
  MX: MxRecord;
  PTR: string;
}

export interface Answer<T> {
  records: T[];
  /** Seconds, when the transport knows them (A and AAAA). */
  ttl?: number;
  /** The name or record does not exist (NXDOMAIN, NODATA). */
  negative: boolean;
}

/** What the service asks of a transport; a test can hand it another. */
export interface DnsTransport {
  query<T extends RecordType>(type: T, name: string): Promise<Answer<RecordOf[T]>>;
  /** The SOA minimum of a zone (RFC 2308: how long its negative answers may be kept), or undefined when it has none. */
  soaMinimum(zone: string): Promise<number | undefined>;
}

export interface CaresOptions {
  /** Per try. */
  timeoutMs: number;
  tries: number;
  /** Addresses ("192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53"); empty: the system's. */
  servers: readonly string[];
}

/** No such name, or the name has no record of the type: an answer, not a failure. */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export class CaresTransport implements DnsTransport {
  private readonly r: NodeResolver;

  constructor(o: CaresOptions) {
    this.r = new NodeResolver({ timeout: o.timeoutMs, tries: o.tries });
    if (o.servers.length > 0) this.r.setServers([...o.servers]);
  }

  async query<T extends RecordType>(type: T, name: string): Promise<Answer<RecordOf[T]>> {
    try {
      return { ...(await this.ask(type, name)), negative: false } as Answer<RecordOf[T]>;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      if (NEGATIVE.has(code)) return { records: [], negative: true };
      throw new DnsError(code, `${type} ${name}: ${code}`);
    }
  }

  async soaMinimum(zone: string): Promise<number | undefined> {
    try {
      return (await this.r.resolveSoa(zone)).minttl;
    } catch {
      return undefined;
    }
  }

  private async ask(type: RecordType, name: string): Promise<{ records: unknown[]; ttl?: number }> {
    switch (type) {
      case 'A':
      case 'AAAA': {
        const rs = type === 'A' ? await this.r.resolve4(name, { ttl: true }) : await this.r.resolve6(name, { ttl: true });
        return { records: rs.map((r) => r.address), ttl: rs.length > 0 ? Math.min(...rs.map((r) => r.ttl)) : undefined };
      }
      case 'TXT':
        return { records: (await this.r.resolveTxt(name)).map((parts) => parts.join('')) };
      case 'MX':
        return { records: await this.r.resolveMx(name) };
      case 'PTR':
        // The reversed name (1.2.0.192.in-addr.arpa), asked with resolvePtr: c-ares's reverse()
        // reports SERVFAIL as ENOTFOUND ("no name").
        return { records: await this.r.resolvePtr(name) };
    }
  }
}
