import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { ADDRESS_PATTERN_FORMS, addressPatternProblem } from '../net/address-pattern.js';
import { ipEntryProblem } from '../net/ip.js';

// Allow and block lists: client IP networks and envelope senders, globally and per recipient.
// Every list is an array whose items are entries or {file: /absolute/path} (one entry per
// line, # comments). The entry syntax is checked here, for inline entries when the config
// is loaded and for file lines when the checks read them (src/checks/lists/); the forms are
// those of src/net/ip.ts and src/net/address-pattern.ts, shared with policies.

const fileItem = z.strictObject({
  file: z.string().refine(isAbsolute, { message: 'expected an absolute path' }),
});

export type ListItem = string | { file: string };

const list = (problem: (entry: string) => string | undefined, what: string) =>
  z
    .array(
      z.union([
        z.string().superRefine((entry, ctx) => {
          const p = problem(entry);
          if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
        }),
        fileItem,
      ]),
    )
    .default([])
    .describe(what);

const IP_FORMS = 'addresses or CIDR networks (IPv4, IPv6)';

const recipientLists = z.strictObject({
  sender_allow: list(addressPatternProblem, `Senders this recipient accepts, scored RCPT_SENDER_ALLOWLIST; beats the global sender_block: ${ADDRESS_PATTERN_FORMS}; or {file: /path}.`),
  sender_block: list(addressPatternProblem, `Senders refused at RCPT for this recipient (RCPT_SENDER_BLOCKLIST); beats the global sender_allow: ${ADDRESS_PATTERN_FORMS}; or {file: /path}.`),
});

const reply5xx = (def: string, what: string) =>
  z
    .string()
    .regex(/^5\d\d( 5\.\d{1,3}\.\d{1,3})? \S.*$/, { message: `expected a 5xx SMTP reply such as "${def}"` })
    .default(def)
    .describe(what);

export const listsSchema = z
  .strictObject({
    ip_allow: list(ipEntryProblem, `Client ${IP_FORMS} scored IP_ALLOWLIST (-20); entries or {file: /path} (one a line, # comments).`),
    ip_block: list(ipEntryProblem, `Client ${IP_FORMS} refused at connect with replies.ip_block (IP_BLOCKLIST); the more specific of ip_allow and ip_block wins, allow on a tie.`),
    sender_allow: list(addressPatternProblem, `Envelope senders scored SENDER_ALLOWLIST (-20): ${ADDRESS_PATTERN_FORMS}; or {file: /path}.`),
    sender_block: list(addressPatternProblem, 'Envelope senders refused with replies.sender_block (SENDER_BLOCKLIST): at MAIL, or at RCPT recipient by recipient when some recipient has a sender_allow list; sender_allow wins.'),
    recipients: z
      .record(z.string(), recipientLists)
      .default({})
      .superRefine((map, ctx) => {
        for (const key of Object.keys(map)) {
          const p = addressPatternProblem(key);
          if (p !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `recipient key ${p}` });
        }
      })
      .describe('Per-recipient {sender_allow, sender_block} keyed by recipient pattern (address, domain, wildcard, /regex/); every key that matches applies.'),
    replies: z
      .strictObject({
        ip_block: reply5xx('554 5.7.1 Client address blocked', 'SMTP reply to a client in ip_block.'),
        sender_block: reply5xx('550 5.7.1 Sender address blocked', 'SMTP reply to a sender in sender_block or a recipient\'s sender_block.'),
      })
      .prefault({}),
  })
  .prefault({})
  .describe('Allow and block lists of client IPs and envelope senders, globally and per recipient.');

export type ListsConfig = z.infer<typeof listsSchema>;
