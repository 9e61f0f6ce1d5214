import { z } from 'zod';
import { ADDRESS_PATTERN_FORMS, addressPatternProblem } from '../net/address-pattern.js';
import { ipEntryProblem } from '../net/ip.js';
import { duration } from './duration-schema.js';

// Greylisting (`greylisting:`): a first delivery attempt from an unknown triplet (client
// network, sender, recipient) is deferred; a real MTA retries after the block time and passes.
// Defaults are postgrey's and SmarterMail's: block 15 minutes, pass window 6 hours, records kept
// 36 days, a client network allowed outright after 5 passed triplets. Off until enabled.

const networks = (what: string) =>
  z
    .array(
      z.string().superRefine((v, ctx) => {
        const p = ipEntryProblem(v);
        if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
      }),
    )
    .default([])
    .describe(what);

const tempReply = (def: string, what: string) =>
  z
    .string()
    .regex(/^4\d\d( 4\.\d{1,3}\.\d{1,3})? \S.*$/, { message: `expected a 4xx SMTP reply such as "${def}"` })
    .default(def)
    .describe(what);

export const onStoreFailure = z.enum(['open', 'tempfail']).default('open')
  .describe('When the state store (Redis) cannot be reached: open passes the mail, logs the failure and adds CHECK_FAILED; tempfail defers it (4xx). Mail is never refused because the store is gone.');

export const greylistingSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Greylist unknown senders (see mode).'),
    mode: z.enum(['classic', 'score']).default('classic')
      .describe('classic: every unknown triplet (client network, sender, recipient) is deferred at RCPT. score: only a message whose score reaches thresholds.greylist is deferred, at end of message, keyed on sender, recipients, subject and the start of the body (a retry from another address of the same pool passes).'),
    block: duration('15m', 'How long a new triplet is deferred; a retry after this passes'),
    pass_window: duration('6h', 'How long after the block time a retry still passes; later, the triplet starts again'),
    lifetime: duration('36d', 'How long a passed triplet (and an auto-allowed client network) is remembered; refreshed on each pass'),
    auto_allow_after: z.number().int().min(0).default(5)
      .describe('Allow a client network outright once this many triplets from it passed (postgrey: 5); 0: never.'),
    ipv4_prefix: z.number().int().min(8).max(32).default(24).describe('Client IPv4 addresses are keyed by this network.'),
    ipv6_prefix: z.number().int().min(16).max(128).default(64).describe('Client IPv6 addresses are keyed by this network.'),
    spf_domain: z.boolean().default(true)
      .describe('When SPF passes, key on the SPF-validated domain instead of the client network, so a sender retrying from another address of its pool passes.'),
    reply: tempReply('451 4.7.1 Greylisted, please try again in {seconds} seconds', 'Reply to a greylisted attempt; {seconds} is replaced by the time until a retry passes.'),
    allow_clients: networks('Client networks never greylisted (trusted networks, partners): addresses or CIDR networks.'),
    allow_senders: z
      .array(
        z.string().superRefine((v, ctx) => {
          const p = addressPatternProblem(v);
          if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
        }),
      )
      .default([])
      .describe(`Envelope senders never greylisted: ${ADDRESS_PATTERN_FORMS}.`),
    sender_pools: z
      .strictObject({
        defaults: z.boolean().default(true)
          .describe('Include the shipped list of big senders that retry from pools of addresses (Gmail, Outlook, Amazon SES, SendGrid, ...; src/checks/greylist/sender-pools.ts).'),
        hostnames: z.array(z.string().regex(/^\.?[a-z0-9.-]+$/i, { message: 'expected a host name suffix such as .google.com' })).default([])
          .describe('More reverse-DNS suffixes (as the MTA reports the client name) never greylisted, e.g. .mail.example.net.'),
        networks: networks('More networks of sender pools never greylisted.'),
      })
      .prefault({})
      .describe('Sender pools never greylisted, by the client name the MTA verified and by network.'),
    on_store_failure: onStoreFailure,
  })
  .prefault({})
  .describe('Greylisting: defer the first attempt of an unknown sender; authenticated clients, the null sender, allow-listed clients and senders, sender pools and recipients whose policy says greylisting: off are never greylisted.');

export type GreylistingConfig = z.infer<typeof greylistingSchema>;
