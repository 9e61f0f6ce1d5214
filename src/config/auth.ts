import { z } from 'zod';

// Sender authentication (`auth:`): SPF, DKIM, ARC and DMARC through mailauth, and the
// Authentication-Results header. The score of each result is a symbol default
// (src/checks/auth/), overridable under `scores:` like every other symbol.

const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/i, { message: 'expected a domain name such as example.net' })
  .transform((d) => d.toLowerCase());

export const authSchema = z
  .strictObject({
    enabled: z.boolean().default(false)
      .describe('Sender authentication: SPF, DKIM, ARC and DMARC as the sections below say, and the Authentication-Results header. Off by default: every message then asks DNS (SPF alone up to 10 lookups, before MAIL is answered), so point dns.servers at a caching resolver you trust first; see docs/authentication.md.'),
    authserv_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, { message: 'expected a host name such as mx.example.com' }).nullable().default(null)
      .describe("The authserv-id of the Authentication-Results header Thresher adds (RFC 8601), usually the host's name; null: the host name. Incoming Authentication-Results headers that claim it are removed (a sender could forge them); those of other hosts are kept."),
    timeout_seconds: z.number().positive().max(60).default(5)
      .describe('Time limit of the SPF check (at MAIL) and of the DKIM, ARC and DMARC check (at end of message), DNS included; a check that runs out adds CHECK_FAILED and the message is scored without it.'),
    spf: z
      .strictObject({
        enabled: z.boolean().default(true)
          .describe('Check the envelope sender (the HELO name for the null sender) against its SPF record when MAIL arrives, so its DNS lookups are done before the body: one SPF_* symbol per result. Not checked for authenticated senders, and clients on loopback or private addresses (your own relays).'),
      })
      .prefault({}),
    dkim: z
      .strictObject({
        enabled: z.boolean().default(true)
          .describe('Verify DKIM signatures, hashing the whole body as it streams through (beyond limits.max_scan_bytes, never buffered): DKIM_VALID, DKIM_VALID_ALIGNED (signed by the From domain), DKIM_INVALID, DKIM_PERMERROR (no usable key), DKIM_NONE. DMARC needs it.'),
        min_key_bits: z.number().int().min(512).max(8192).default(1024)
          .describe('RSA keys shorter than this do not verify (a weak key, as RFC 8301 says).'),
      })
      .prefault({}),
    arc: z
      .strictObject({
        enabled: z.boolean().default(true)
          .describe('Verify the ARC chain of forwarded mail: ARC_PASS, ARC_FAIL, ARC_NONE.'),
        trusted_sealers: z.array(domainName).default([])
          .describe('Forwarders (ARC sealing domains, subdomains included) whose seal is trusted: when DMARC fails but their valid ARC chain says DMARC passed before they forwarded it (a mailing list, a forwarding service), the failure is not held against the message (DMARC_ARC_OVERRIDE) and no DMARC policy is applied. Needs auth.arc.'),
      })
      .prefault({}),
    dmarc: z
      .strictObject({
        enabled: z.boolean().default(true)
          .describe("Evaluate the From domain's DMARC policy on the SPF and DKIM results: DMARC_PASS, DMARC_FAIL_REJECT, DMARC_FAIL_QUARANTINE, DMARC_FAIL_NONE (by the domain's policy), DMARC_NONE. Needs auth.dkim."),
        apply_policy: z.boolean().default(false)
          .describe("Carry out the domain's policy on failure as the verdict, whatever the score: p=reject refuses the message (reject_reply), p=quarantine holds it, honouring pct=. Off by default: scored only. Spam lovers and bypass_spam_checks waive it; never applied to authenticated senders."),
        reject_reply: z.string().regex(/^5\d\d( 5\.\d{1,3}\.\d{1,3})? \S.*$/, { message: 'expected a 5xx SMTP reply such as "550 5.7.1 Rejected by the DMARC policy of {domain}"' }).default('550 5.7.1 Rejected by the DMARC policy of {domain}')
          .describe('The reply of a message refused by apply_policy; {domain} is the From domain.'),
      })
      .prefault({}),
  })
  .prefault({})
  .refine((a) => !a.enabled || !a.dmarc.enabled || a.dkim.enabled, { message: 'auth.dmarc needs auth.dkim: DMARC is judged on the DKIM results (disable DKIM_* symbols instead to keep DMARC)', path: ['dmarc', 'enabled'] })
  .refine((a) => a.arc.enabled || a.arc.trusted_sealers.length === 0, { message: 'auth.arc.trusted_sealers needs auth.arc enabled', path: ['arc', 'trusted_sealers'] })
  .describe('Sender authentication: SPF, DKIM, ARC and DMARC (mailauth), with the Authentication-Results header. Each needs DNS; see docs/authentication.md.');

export type AuthConfig = z.infer<typeof authSchema>;
