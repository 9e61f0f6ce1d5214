import { z } from 'zod';
import { ipEntryProblem } from '../net/ip.js';
import { duration } from './duration-schema.js';

// Bad-session and denial-of-service defence (`bad_sessions:`), per client address, on the
// model of SmarterMail's SMTP blocking: too many connections per interval, too many at once,
// or too many bad events (rejected recipients, unknown SMTP commands, sessions that end
// without a message, messages refused as spam) block the client for a while: 421 4.7.0 at
// connect. Counted in the state store, so one instance's block holds for the whole fleet.

// Loopback is the MTA itself (Postfix re-injecting, a content filter on the same host): one
// address carrying everyone's mail, which the limits would block after its first burst.
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

const limit = (max: number, per: string, what: string) =>
  z
    .strictObject({
      max: z.number().int().min(1).nullable().default(max).describe('The most allowed; null: not counted.'),
      per: duration(per, 'Per this interval'),
    })
    .prefault({})
    .describe(what);

export const badSessionsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Count sessions per client address and block clients over the limits below.'),
    block: duration('15m', 'How long a client over a limit is refused at connect'),
    reply: z.string().regex(/^4\d\d( 4\.\d{1,3}\.\d{1,3})? \S.*$/, { message: 'expected a 4xx SMTP reply' })
      .default('421 4.7.0 Too many connections or errors from your address, try again later')
      .describe('Reply at connect to a blocked client (421 closes the session).'),
    connections: limit(60, '1m', 'New connections from one client address per interval; more block it.'),
    concurrent: z.number().int().min(1).nullable().default(20)
      .describe('Sessions open at once from one client address (across the fleet); more are refused with reply, without a block; null: not counted.'),
    bad_events: limit(20, '10m', 'Bad events from one client address per interval; more block it.'),
    events: z
      .strictObject({
        rejected_recipients: z.boolean().default(true).describe('A recipient refused or deferred at RCPT.'),
        protocol_errors: z.boolean().default(true).describe('An SMTP command the MTA did not know (milter UNKNOWN) or a broken milter conversation.'),
        no_message: z.boolean().default(true).describe('A session that ends without a message.'),
        rejected_messages: z.boolean().default(true).describe('A message at or above the reject threshold.'),
      })
      .prefault({})
      .describe('Which events count as bad.'),
    allow: z
      .array(
        z.string().superRefine((v, ctx) => {
          const p = ipEntryProblem(v);
          if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
        }),
      )
      .default([...LOOPBACK])
      .describe('Client networks never counted nor blocked (your own relays and submission hosts). Default: loopback (127.0.0.0/8, ::1/128), where the MTA itself re-injects mail or a content filter delivers it. A list of your own replaces the default: add the loopback networks to it to keep them exempt; [] counts and blocks loopback too.'),
  })
  .prefault({})
  .describe('Bad sessions and denial of service: per client address, connections per interval, concurrent sessions and bad events; over a limit the client is refused at connect for a while. A store failure never blocks anyone (logged).');

export type BadSessionsConfig = z.infer<typeof badSessionsSchema>;
