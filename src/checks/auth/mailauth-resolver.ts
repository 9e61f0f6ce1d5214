import type { DNSResolver } from 'mailauth';
import type { Resolver } from '../../dns/resolver.js';
import { dottedQuad } from '../../net/ip.js';

// mailauth asks DNS through one function, resolver(name, rrtype), shaped like Node's
// dns.promises.resolve: "no such record" is a rejection with code ENOTFOUND or ENODATA, and
// any other rejection is a temporary failure (SPF temperror, DKIM temperror). Our Resolver
// answers [] for no record and rejects only when the lookup itself failed, so the adapter
// turns [] into ENODATA and every failure into ETIMEOUT or ESERVFAIL (never a code mailauth
// reads as "no record", which would make a DNS outage look like a missing SPF or DMARC record).

/** An error as Node's resolver raises it, which is what mailauth reads. */
function dnsError(code: string, name: string, rrtype: string, cause?: unknown): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${rrtype} ${name}: ${code}${cause instanceof Error ? ` (${cause.message})` : ''}`);
  err.code = code;
  return err;
}

/** Our failure as the temporary error mailauth expects: a time-out stays one (SPF says "DNS timeout"). */
function temporary(err: unknown, name: string, rrtype: string): NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return dnsError(code === 'ETIMEOUT' || code === 'ETIMEDOUT' ? 'ETIMEOUT' : 'ESERVFAIL', name, rrtype, err);
}

/**
 * The address a reverse name stands for (4.3.2.1.in-addr.arpa, or 32 nibbles under ip6.arpa):
 * mailauth's SPF ptr mechanism asks PTR by name, our Resolver by address.
 */
export function addressOfReverseName(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(lower);
  if (v4) {
    const octets = v4.slice(1, 5).reverse().map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return dottedQuad(octets.reduce((n, o) => (n << 8n) | BigInt(o), 0n));
  }
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(lower);
  if (v6) {
    const hex = v6[1]!.split('.').slice(0, 32).reverse().join('');
    return hex.match(/.{4}/g)!.join(':');
  }
  return undefined;
}

async function lookup(resolver: Resolver, name: string, rrtype: string): Promise<unknown[]> {
  switch (rrtype) {
    case 'A':
      return resolver.a(name);
    case 'AAAA':
      return resolver.aaaa(name);
    // Node's resolver gives each TXT record as its strings; ours joins them already.
    case 'TXT':
      return (await resolver.txt(name)).map((record) => [record]);
    case 'MX':
      return resolver.mx(name);
    case 'PTR': {
      const address = addressOfReverseName(name);
      if (address === undefined) throw dnsError('ENOTFOUND', name, rrtype);
      return resolver.ptr(address);
    }
    default:
      throw dnsError('ENOTIMP', name, rrtype);
  }
}

/**
 * mailauth's resolver over ours. Lookups of one message are shared (SPF and DMARC may ask the
 * same name, DKIM keys are asked ahead of time by `prefetch`), and once `signal` aborts (the
 * check's time limit) every pending and later lookup fails at once as a temporary error.
 */
export class MailauthResolver {
  private readonly answers = new Map<string, Promise<unknown[]>>();

  constructor(
    private readonly resolver: Resolver,
    private signal?: AbortSignal,
  ) {}

  /** Follows this signal from now on (the check's, once it runs). */
  follow(signal: AbortSignal): void {
    this.signal = signal;
  }

  /** Starts a lookup whose answer mailauth will want, so it is on its way while the body arrives. */
  prefetch(name: string, rrtype: string): void {
    this.ask(name, rrtype).catch(() => undefined);
  }

  readonly resolve: DNSResolver = (name, rrtype) => this.ask(name, rrtype) as Promise<string[]>;

  private ask(name: string, rrtype: string): Promise<unknown[]> {
    const key = `${rrtype} ${name.toLowerCase()}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = lookup(this.resolver, name, rrtype).then(
        (records) => {
          if (records.length === 0) throw dnsError('ENODATA', name, rrtype);
          return records;
        },
        (err: unknown) => {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOTFOUND' || code === 'ENODATA') throw err;
          throw temporary(err, name, rrtype);
        },
      );
      this.answers.set(key, answer);
    }
    return this.abortable(answer, name, rrtype);
  }

  private abortable(answer: Promise<unknown[]>, name: string, rrtype: string): Promise<unknown[]> {
    const signal = this.signal;
    if (signal === undefined) return answer;
    if (signal.aborted) return Promise.reject(dnsError('ETIMEOUT', name, rrtype));
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(dnsError('ETIMEOUT', name, rrtype));
      signal.addEventListener('abort', onAbort, { once: true });
      answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
