import { z } from 'zod';
import { ipEntryProblem } from '../net/ip.js';

// DNS lists (src/checks/dns/): blocklists and allow lists of client addresses (DNSBL, RBL,
// DNSWL), blocklists of the domains a message links to (URIBL, SURBL, DBL), and reverse DNS of
// the client and its HELO. All off until configured: public lists refuse queries that come
// through public resolvers, and some need registration (docs/dns.md has a commented default set).

const symbolName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, { message: 'expected a symbol name such as RBL_EXAMPLE' });
const symbolRef = z.union([symbolName, z.strictObject({ symbol: symbolName, score: z.number() })]);
export type SymbolRef = z.infer<typeof symbolRef>;

/** "127.0.0.2", or with "*" for any octet: "127.0.*.3". */
const codePattern = /^127\.(\d{1,3}|\*)\.(\d{1,3}|\*)\.(\d{1,3}|\*)$/;
/** A bitmask as a number ("8") or as an address ("0.0.0.8"). */
const maskPattern = /^(\d{1,10}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const hostname = z.string().regex(/^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)+$/i, { message: 'expected a DNS zone such as zen.spamhaus.org' });

const keysMatch = (re: RegExp, what: string) => (map: Record<string, unknown>, ctx: z.RefinementCtx) => {
  for (const key of Object.keys(map)) if (!re.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `expected ${what} (got ${JSON.stringify(key)})` });
};

const listSchema = z.strictObject({
  zone: hostname.describe('The list\'s DNS zone, e.g. zen.spamhaus.org (an address a.b.c.d is asked as d.c.b.a.ZONE, IPv6 as 32 reversed nibbles, a domain as DOMAIN.ZONE).'),
  symbol: symbolName.describe('The symbol of a listing no code or mask below names.'),
  score: z.number().default(2).describe('Default score of every symbol of this list (negative for allow lists); `scores` overrides any of them.'),
  codes: z.record(z.string(), symbolRef).default({}).superRefine(keysMatch(codePattern, 'a return code 127.x.y.z, "*" for any octet'))
    .describe('Symbols by exact return code, e.g. {"127.0.0.2": RBL_SBL, "127.0.*.3": {symbol: DNSWL_HI, score: -3}}.'),
  masks: z.record(z.string(), symbolRef).default({}).superRefine(keysMatch(maskPattern, 'a bitmask such as "8" or "0.0.0.8"'))
    .describe('Symbols by bitmask (the return code as a 32-bit number AND the mask is not 0), e.g. SURBL\'s {"8": SURBL_PH}.'),
  errors: z.array(z.string().regex(codePattern)).default([])
    .describe('Return codes this list uses for errors besides 127.255.255.0/24 and 127.0.0.1 (dnswl.org: 127.0.0.255); never a listing.'),
  ipv6: z.boolean().default(true).describe('The list answers for IPv6 addresses; false: IPv6 clients are not asked.'),
  probe: z
    .strictObject({
      listed: z.string().describe('A name the list always lists (asked below the zone): 2.0.0.127 for address lists, e.g. test or dbltest.com for domain lists.'),
      unlisted: z.string().describe('A name it never lists: 1.0.0.127 for address lists, e.g. example.invalid.'),
    })
    .nullable()
    .optional()
    .describe('Health probe: a list that does not list `listed` or lists `unlisted` is not used until a later probe passes. Default for address lists: 2.0.0.127 and 1.0.0.127; domain lists: none (null turns it off).'),
});
export type DnsListConfig = z.infer<typeof listSchema>;

/** Loopback, unspecified, private and link-local networks (as src/net/ip.ts's isLocalAddress). */
const LOCAL_NETWORKS = ['0.0.0.0/8', '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::/128', '::1/128', 'fc00::/7', 'fe80::/10'];

const seconds = (def: number, what: string) => z.number().positive().max(86400).default(def).describe(what);

export const dnsblSchema = z
  .strictObject({
    ip_lists: z.array(listSchema).default([])
      .describe('DNS block and allow lists of client addresses (RBL, DNSBL, DNSWL); see docs/dns.md for the well-known ones.'),
    domain_lists: z.array(listSchema).default([])
      .describe('DNS blocklists of the registrable domains the message links to (URIBL, SURBL, Spamhaus DBL).'),
    max_domains: z.number().int().min(1).max(200).default(20)
      .describe('Distinct linked domains asked per message (the first ones in the message).'),
    received_hops: z.number().int().min(0).max(10).default(0)
      .describe('Also ask the ip_lists about this many untrusted hops of the Received headers (newest first, those not in trusted_networks); 0: the connecting client only. Behind a gateway, list the gateway in trusted_networks and set 1.'),
    trusted_networks: z.array(z.string().superRefine((e, ctx) => {
      const p = ipEntryProblem(e);
      if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
    })).default([...LOCAL_NETWORKS])
      .describe('Our own networks, relays and gateways (addresses or CIDR networks): never asked about; their Received hops are skipped. Default: loopback, private and link-local networks; add your gateways to them.'),
    reverse_dns: z.boolean().default(false)
      .describe('Look up the client\'s reverse DNS (PTR, then forward-confirmed) and its HELO name: RDNS_NONE, RDNS_NOT_CONFIRMED, RDNS_DYNAMIC on the PTR name, HELO_NO_RESOLVE, HELO_NOT_CLIENT.'),
    check_timeout_seconds: seconds(5, 'Time limit of each DNS list check at end of message (lookups started at connect are usually done by then).'),
    probe_interval_seconds: seconds(600, 'How often each list\'s health probe is repeated.'),
    breaker: z
      .strictObject({
        failures: z.number().int().min(1).max(1000).default(5).describe('Failures of one list in a row (time-outs, SERVFAIL, error codes) before it is skipped.'),
        window_seconds: seconds(60, 'Failures further apart than this do not add up.'),
        cooldown_seconds: seconds(120, 'How long a failing list is skipped before one lookup probes it again.'),
      })
      .prefault({}),
  })
  .prefault({});

export type DnsblConfig = z.infer<typeof dnsblSchema>;
