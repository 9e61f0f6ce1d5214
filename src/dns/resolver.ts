import { Resolver as NodeResolver } from 'node:dns/promises';

// The one DNS interface every DNS-based check is given. This file holds the interface and a
// plain implementation over Node's c-ares resolver (time limit and tries per query); caching,
// per-message budgets and de-duplication come with the DNS checks.

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface Resolver {
  /** IPv4 addresses of a name; [] when it has none (NXDOMAIN, NODATA). Rejects on time-out or server failure. */
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  /** TXT records, each joined from its strings. */
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<MxRecord[]>;
  /** Reverse names of an address. */
  ptr(address: string): Promise<string[]>;
}

/** Answers that mean "no such record", not a failure of the lookup. */
const EMPTY = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export interface SystemResolverOptions {
  /** Per query, per try. */
  timeoutMs: number;
  tries: number;
  /** Server addresses; default: the system's (/etc/resolv.conf). */
  servers?: readonly string[];
}

export class SystemResolver implements Resolver {
  private readonly r: NodeResolver;

  constructor(o: SystemResolverOptions) {
    this.r = new NodeResolver({ timeout: o.timeoutMs, tries: o.tries });
    if (o.servers && o.servers.length > 0) this.r.setServers([...o.servers]);
  }

  a(name: string): Promise<string[]> {
    return empty(this.r.resolve4(name));
  }

  aaaa(name: string): Promise<string[]> {
    return empty(this.r.resolve6(name));
  }

  async txt(name: string): Promise<string[]> {
    return (await empty(this.r.resolveTxt(name))).map((parts) => parts.join(''));
  }

  mx(name: string): Promise<MxRecord[]> {
    return empty(this.r.resolveMx(name));
  }

  ptr(address: string): Promise<string[]> {
    return empty(this.r.reverse(address));
  }
}

async function empty<T>(lookup: Promise<T[]>): Promise<T[]> {
  try {
    return await lookup;
  } catch (err) {
    if (EMPTY.has((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
}
