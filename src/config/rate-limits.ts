import { z } from 'zod';
import { onStoreFailure } from './greylisting.js';
import { DURATION_FORMS, parseDurationSeconds } from './durations.js';

// Rate limits (`rate_limits:`): token buckets in the shared state store, so every instance of
// a fleet counts against the same bucket. Each bucket is keyed by one or more parts of the
// envelope and gives its own answer when empty. No buckets: off.

export const RATE_KEY_PARTS = ['client_address', 'client_network', 'sender', 'sender_domain', 'recipient', 'user'] as const;
export type RateKeyPart = (typeof RATE_KEY_PARTS)[number];

/** "100 / 1h": this many messages per period; undefined when the text is not a rate. */
export function parseRate(text: string): { count: number; periodSeconds: number } | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  if (!m) return undefined;
  const count = Number(m[1]);
  const periodSeconds = parseDurationSeconds(/^\d/.test(m[2]!) ? m[2]! : `1${m[2]}`);
  if (!(count > 0) || periodSeconds === undefined) return undefined;
  return { count, periodSeconds };
}

const bucketSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'expected a name of letters, digits, _ . -' })
    .describe('Names the bucket in logs, in the RATE_LIMITED detail and in its store keys.'),
  key: z.array(z.enum(RATE_KEY_PARTS)).min(1)
    .describe('What the bucket counts per: client_address, client_network, sender, sender_domain, recipient, user (the SMTP AUTH login); several parts make one bucket per combination. With recipient, each recipient takes a token at RCPT; otherwise each message takes one at MAIL.'),
  rate: z.string().refine((v) => parseRate(v) !== undefined, { message: `expected COUNT / PERIOD such as "100 / 1h" (PERIOD: ${DURATION_FORMS})` })
    .describe('COUNT / PERIOD, e.g. "100 / 1h": the bucket refills COUNT tokens per PERIOD, evenly.'),
  burst: z.number().int().min(1).optional().describe('Most tokens the bucket holds (a new bucket starts full); default COUNT.'),
  answer: z.enum(['defer', 'close', 'symbol']).default('defer')
    .describe('When empty: defer (451 4.7.1, the MTA retries later), close (421, the session ends) or symbol (RATE_LIMITED only; score it under scores:).'),
  reply: z.string().regex(/^4\d\d( 4\.\d{1,3}\.\d{1,3})? \S.*$/, { message: 'expected a 4xx SMTP reply' }).optional()
    .describe('The reply of defer or close; default "451 4.7.1 Rate limit reached, try again later" or "421 4.7.0 Rate limit reached, closing connection".'),
});

export type RateBucketConfig = z.infer<typeof bucketSchema>;

export const rateLimitsSchema = z
  .strictObject({
    buckets: z
      .array(bucketSchema)
      .default([])
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((b, i) => {
          if (seen.has(b.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate bucket name ${b.name}` });
          seen.add(b.name);
        });
      })
      .describe('Token buckets; none: no rate limits.'),
    ipv4_prefix: z.number().int().min(8).max(32).default(24).describe('client_network keys IPv4 clients by this network.'),
    ipv6_prefix: z.number().int().min(16).max(128).default(64).describe('client_network keys IPv6 clients by this network.'),
    on_store_failure: onStoreFailure,
  })
  .prefault({})
  .describe('Rate limits as token buckets in the state store (shared by a fleet on Redis).');

export type RateLimitsConfig = z.infer<typeof rateLimitsSchema>;
