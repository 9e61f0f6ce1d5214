import { z } from 'zod';
import { readListenSpec } from './listen-spec.js';

// Settings every remote scanner shares (clamd, spamd): where its servers are, its time limits,
// its failure policy, its circuit breaker and how many scans one server takes at once.

export const serverSpec = z.string().superRefine((value, ctx) => {
  const read = readListenSpec(value);
  if ('problem' in read) ctx.addIssue({ code: 'custom', message: `${read.problem} (got ${JSON.stringify(value)})` });
});

const seconds = (def: number, what: string) => z.number().positive().max(3600).default(def).describe(what);

/** The common keys of a scanner's section; `failure` has the scanner's own default. */
export function scannerKeys(o: { failure: 'open' | 'tempfail'; totalSeconds: number; daemon: string }) {
  return {
    servers: z.array(serverSpec).default([])
      .describe(`${o.daemon} servers as inet:HOST:PORT, inet:[IPv6]:PORT or unix:/path; empty: the scanner is off. Scans go to the first live one in turn; a server that fails is skipped and the next one tried.`),
    failure: z.enum(['open', 'tempfail']).default(o.failure)
      .describe(`When no server gives an answer: open scores the message without it (the *_FAIL symbol says so, logged); tempfail defers it with replies.check_failed so the MTA retries later and nothing passes unscanned.`),
    connect_timeout_seconds: seconds(2, 'Time limit to connect to one server.'),
    write_timeout_seconds: seconds(10, 'Time limit for one server to take a piece of the message (a server that stops reading fails).'),
    total_timeout_seconds: seconds(o.totalSeconds, 'Time limit from the end of the message to the answer, retries on other servers included.'),
    max_concurrent: z.number().int().min(1).max(10000).default(32)
      .describe('Scans one server takes at once (per Thresher process); more wait for a slot.'),
    queue_wait_seconds: seconds(5, 'How long a scan waits for a free slot of a busy server before it tries the next one (or fails).'),
    breaker: z
      .strictObject({
        failures: z.number().int().min(1).max(1000).default(4).describe('Consecutive failures (each within window_seconds of the last) that disable a server.'),
        window_seconds: seconds(10, 'Failures further apart than this do not add up.'),
        cooldown_seconds: seconds(30, 'How long a disabled server is skipped; then one scan probes it and its result enables or disables it again.'),
      })
      .prefault({})
      .describe('The circuit breaker of each server (rspamd: 4 errors in 10 s). While every server is disabled the failure policy applies at once, without waiting for time-outs.'),
  };
}

export interface ScannerSettings {
  servers: string[];
  failure: 'open' | 'tempfail';
  connect_timeout_seconds: number;
  write_timeout_seconds: number;
  total_timeout_seconds: number;
  max_concurrent: number;
  queue_wait_seconds: number;
  breaker: { failures: number; window_seconds: number; cooldown_seconds: number };
}
