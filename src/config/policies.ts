import { z } from 'zod';
import { ADDRESS_PATTERN_FORMS, addressPatternProblem } from '../net/address-pattern.js';
import { ipEntryProblem } from '../net/ip.js';

// Policies per recipient (and sender, client network, authentication): each may override the
// thresholds and what happens to spam. The first policy whose every condition holds applies.
// Addresses and networks are written as in the lists (src/net/address-pattern.ts, src/net/ip.ts).

const addressPattern = z
  .string()
  .superRefine((v, ctx) => {
    const p = addressPatternProblem(v);
    if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
  })
  .describe(ADDRESS_PATTERN_FORMS);

const network = z.string().superRefine((v, ctx) => {
  const p = ipEntryProblem(v);
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: `expected an IP address or CIDR network such as 192.0.2.0/24 or 2001:db8::/32 (${p})` });
});

const nullableNumber = z.number().nullable().optional();

export const policySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'expected a name of letters, digits, _ . -' }),
  match: z
    .strictObject({
      recipients: z.array(addressPattern).optional().describe('Recipient addresses or domains.'),
      senders: z.array(addressPattern).optional().describe('Envelope sender addresses or domains.'),
      clients: z.array(network).optional().describe('Client IP addresses or networks.'),
      authenticated: z.boolean().optional().describe('Whether the client authenticated (SMTP AUTH, macro {auth_authen}).'),
    })
    .prefault({}),
  thresholds: z
    .strictObject({
      tag: nullableNumber,
      spam: z.number().optional(),
      quarantine: nullableNumber,
      tempfail: nullableNumber,
      reject: nullableNumber,
      discard: nullableNumber,
      greylist: nullableNumber,
    })
    .prefault({})
    .describe('Thresholds of this policy; a key left out keeps the global one.'),
  spam_action: z.enum(['mark', 'quarantine', 'fail']).default('mark')
    .describe('What reaching the spam threshold does: mark (deliver with spam headers), quarantine (hold), fail (refuse with replies.reject).'),
  spam_lover: z.boolean().default(false).describe('Checked and tagged, never held, refused, deferred or dropped.'),
  bypass_spam_checks: z.boolean().default(false).describe('Skip content checks: the message is accepted unscored (early blocks still apply).'),
  subject_tag: z.boolean().default(true).describe('Whether headers.subject_prefix is applied to spam.'),
  virus_lover: z.boolean().default(false).describe("Gets infected mail, tagged (amavisd's virus_lovers): the virus action does not apply."),
  bypass_virus_checks: z.boolean().default(false).describe('Skip the virus scanners for these recipients: the message is not sent to clamd (amavisd\'s bypass_virus_checks).'),
  greylisting: z.union([z.boolean(), z.enum(['on', 'off'])]).default(true).describe('off: these recipients are never greylisted (see greylisting).'),
});

export const policiesSchema = z
  .array(policySchema)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate policy name ${p.name}` });
      seen.add(p.name);
    });
  })
  .describe('Policies per recipient, sender, client network or authentication; the first that matches applies.');

export type PolicyConfig = z.infer<typeof policySchema>;
