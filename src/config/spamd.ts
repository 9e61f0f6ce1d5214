import { z } from 'zod';
import { scannerKeys } from './scanners.js';

// A remote SpamAssassin (spamd, SPAMC/1.5): servers, limits, and the score bands its verdict maps to.

export const spamdSchema = z
  .strictObject({
    ...scannerKeys({ failure: 'open', totalSeconds: 15, daemon: 'spamd' }),
    command: z.enum(['SYMBOLS', 'REPORT']).default('SYMBOLS')
      .describe('SYMBOLS asks for the score and the names of the rules that hit; REPORT also for their points (shown in SPAMD_RULES).'),
    user: z.string().regex(/^[^\s\r\n]{1,64}$/, { message: 'expected a user name without spaces' }).nullable().default(null)
      .describe('The User header sent to spamd (whose preferences it applies); null: none, spamd uses its own.'),
    max_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(500 * 1024)
      .describe("Largest message sent to spamd (spamc's default is 500 KB); a larger one is not sent and SPAMD_TOO_BIG says so. Messages larger than limits.max_scan_bytes are never sent."),
    bands: z
      .strictObject({
        low: z.number().default(3).describe('SpamAssassin score at or above which SPAMD_LOW is added.'),
        medium: z.number().default(5).describe('SpamAssassin score at or above which SPAMD_MEDIUM is added instead.'),
        high: z.number().default(10).describe('SpamAssassin score at or above which SPAMD_HIGH is added instead.'),
      })
      .prefault({})
      .refine((b) => b.low <= b.medium && b.medium <= b.high, { message: 'bands must be in order: low <= medium <= high' })
      .describe("SpamAssassin's score becomes one band symbol, weighted by the symbol's score (override SPAMD_LOW, SPAMD_MEDIUM, SPAMD_HIGH under scores:)."),
    rules: z.boolean().default(true).describe("Add SPAMD_RULES (score 0) listing SpamAssassin's rule names that hit."),
    rule_symbols: z.boolean().default(false)
      .describe('Also add each SpamAssassin rule that hit as a symbol of its own, SA_<RULE> (score 0: informational; weigh one under scores:, e.g. SA_BAYES_99: 2).'),
  })
  .prefault({})
  .describe('A remote SpamAssassin (spamd). Off until servers are listed.');

export type SpamdConfig = z.infer<typeof spamdSchema>;
