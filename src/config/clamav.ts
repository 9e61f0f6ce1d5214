import { z } from 'zod';
import { scannerKeys } from './scanners.js';

// The ClamAV scanner (clamd over zINSTREAM): servers, limits, what a virus does, the headers it writes.

const headerName = (def: string, what: string) =>
  z.string().regex(/^[A-Za-z0-9-]+$/, { message: 'expected a header name of letters, digits and -' }).nullable().default(def).describe(what);

export const clamavSchema = z
  .strictObject({
    ...scannerKeys({ failure: 'tempfail', totalSeconds: 30, daemon: 'clamd' }),
    max_bytes: z.number().int().min(1024).max(4 * 1024 * 1024 * 1024 - 1).default(25 * 1024 * 1024)
      .describe("Bytes of each message (headers and body) sent to clamd; a larger message is scanned up to this and CLAMAV_TRUNCATED says so. Keep it at or below clamd's StreamMaxLength (default 25 MB), or clamd refuses the stream."),
    action: z.enum(['reject', 'quarantine', 'discard', 'tag']).default('reject')
      .describe('What a virus does: reject (refused with reject_reply), quarantine (held), discard (accepted and dropped) or tag (delivered with the virus status header only). A virus_lover policy always gets it tagged.'),
    reject_reply: z
      .string()
      .regex(/^5\d\d( 5\.\d{1,3}\.\d{1,3})? \S.*$/, { message: 'expected a 5xx SMTP reply such as "554 5.7.1 Virus found: {virus}"' })
      .default('554 5.7.1 Virus found: {virus}')
      .describe('SMTP reply of the reject action; {virus} is replaced by the name clamd reported.'),
    quarantine_reason: z.string().min(1).max(200).default('Thresher: virus {virus}')
      .describe('Hold reason of the quarantine action; {virus} is replaced.'),
    heuristics: z.enum(['score', 'virus']).default('score')
      .describe("ClamAV's heuristic results (Heuristics.Encrypted.*, Heuristics.OLE2.ContainsMacros, Heuristics.Limits.Exceeded, phishing): score adds the scored CLAMAV_ENCRYPTED, CLAMAV_MACROS, CLAMAV_LIMITS, CLAMAV_PHISHING or CLAMAV_HEURISTIC symbol; virus treats them as viruses."),
    status_header: headerName('X-Virus-Status', 'Header with the result: Clean, Infected (NAME) or Suspicious (NAME); null: not added. Incoming copies are removed as forged.'),
    scanned_header: headerName('X-Virus-Scanned', 'Header naming the scanner (the clamd version); null: not added. Incoming copies are removed as forged.'),
  })
  .prefault({})
  .describe('Virus scanning with ClamAV: the message is streamed to clamd (zINSTREAM) while the MTA sends it. Off until servers are listed.');

export type ClamavConfig = z.infer<typeof clamavSchema>;
