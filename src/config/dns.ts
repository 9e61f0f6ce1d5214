import { isIP } from 'node:net';
import { z } from 'zod';

// The resolver every DNS-based check shares (src/dns/): which servers, how long one query may
// take, how much DNS one message may cost, and the cache.

/** A server as node:dns takes it: an address, or an address with a port ("192.0.2.1:5353", "[2001:db8::1]:5353"). */
export function dnsServerProblem(s: string): string | undefined {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s);
  const withPort = /^([^:]+):(\d{1,5})$/.exec(s);
  const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : withPort ? [withPort[1]!, withPort[2]] : [s, undefined];
  if (isIP(address) === 0) return `expected an IP address, ADDRESS:PORT or [IPv6]:PORT (got ${JSON.stringify(s)})`;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port must be 1 to 65535 (got ${JSON.stringify(s)})`;
  return undefined;
}

const dnsServer = z.string().superRefine((s, ctx) => {
  const p = dnsServerProblem(s);
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
});

const secs = (def: number, max: number, what: string) => z.number().min(0).max(max).default(def).describe(what);

export const dnsSchema = z
  .strictObject({
    servers: z.array(dnsServer).default([])
      .describe('Recursive resolvers to ask, e.g. [127.0.0.1, "[::1]:53"]; empty: those of /etc/resolv.conf. Public DNS blocklists refuse queries from public resolvers (8.8.8.8, 1.1.1.1, 9.9.9.9): use a local caching resolver (unbound) for them.'),
    timeout_ms: z.number().int().min(10).max(60000).default(1500)
      .describe('Time limit of one try of one query; a query gives up after tries × timeout_ms.'),
    tries: z.number().int().min(1).max(5).default(2)
      .describe('Tries per query (per server) before it fails.'),
    budget: z
      .strictObject({
        queries: z.number().int().min(1).max(10000).default(60)
          .describe('DNS queries one message may send (cache hits are free); more fail as DNS_BUDGET errors in the check that asked.'),
        seconds: secs(8, 600, 'Time one message may spend on DNS from its first query; later uncached lookups fail as over budget.'),
      })
      .prefault({}),
    cache: z
      .strictObject({
        size: z.number().int().min(0).max(10_000_000).default(20000)
          .describe('Answers kept (least recently used dropped first); 0: no cache (in-flight lookups are still shared).'),
        max_ttl_seconds: secs(3600, 604800, 'Longest an answer is kept, whatever its TTL.'),
        default_ttl_seconds: secs(300, 604800, 'How long TXT, MX and PTR answers are kept: the system resolver (c-ares) does not report their TTL (A and AAAA keep their own).'),
        negative_ttl_seconds: secs(60, 86400, 'How long "no such name / no such record" is kept when the zone\'s SOA minimum is not known (DNS lists learn theirs from their SOA).'),
        max_negative_ttl_seconds: secs(900, 86400, 'Cap on negative caching from a zone\'s SOA minimum.'),
        failure_ttl_seconds: secs(5, 300, 'How long a failed lookup (time-out, SERVFAIL) is remembered, so the checks of one message do not each wait out the same time-out.'),
      })
      .prefault({}),
  })
  .prefault({});

export type DnsConfig = z.infer<typeof dnsSchema>;
