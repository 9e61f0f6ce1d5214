// The one DNS interface every DNS-based check is given (services.resolver). The service behind it
// (service.ts) caches, shares lookups in flight and limits each message's DNS (forMessage).

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface Resolver {
  /** IPv4 addresses of a name; [] when it has none (NXDOMAIN, NODATA). Rejects (DnsError) on time-out, server failure or a spent budget. */
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  /** TXT records, each joined from its strings. */
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<MxRecord[]>;
  /** Reverse names of an address. */
  ptr(address: string): Promise<string[]>;
}

/** A resolver that can hand each message its own budgeted view. */
export interface SharedResolver extends Resolver {
  /** A view that charges this message's lookups to its own budget (queries and time). */
  forMessage(): Resolver;
}

/**
 * Why a lookup failed, as the c-ares codes name it (ETIMEOUT, ESERVFAIL, ECONNREFUSED, EREFUSED...),
 * or EBUDGET when the message's DNS budget is spent. "No such name / record" is not an error: it is [].
 */
export class DnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DnsError';
  }
}

export function isSharedResolver(r: Resolver): r is SharedResolver {
  return typeof (r as Partial<SharedResolver>).forMessage === 'function';
}
