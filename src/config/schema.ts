import { z } from 'zod';
import { headersSchema, repliesSchema, thresholdsSchema } from './actions.js';
import { rulesSchema } from './rules.js';
import { listsSchema } from './lists.js';
import { policiesSchema } from './policies.js';
import { bayesSchema, dataDirSchema } from './bayes.js';
import { redisSchema, storeSchema } from './store.js';
import { readListenSpec } from './listen-spec.js';
import { dnsSchema } from './dns.js';
import { dnsblSchema } from './dnsbl.js';
import { greylistingSchema } from './greylisting.js';
import { rateLimitsSchema } from './rate-limits.js';
import { badSessionsSchema } from './bad-sessions.js';
import { clamavSchema } from './clamav.js';
import { spamdSchema } from './spamd.js';
import { authSchema } from './auth.js';

// The configuration schema: the single source of truth for every default. Keys are
// snake_case as admins write them in YAML; strict objects so a typo is an error, not a no-op.

const listenSpec = z.string().superRefine((value, ctx) => {
  const read = readListenSpec(value);
  if ('problem' in read) ctx.addIssue({ code: 'custom', message: `${read.problem} (got ${JSON.stringify(value)})` });
});

/** More than any milter host has cores: bounds how many processes a typo can fork. */
export const MAX_WORKERS = 256;

const seconds = (def: number, what: string) =>
  z.number().positive().max(86400).default(def).describe(what);

export const limitsSchema = z
  .strictObject({
    max_connections: z.number().int().min(1).max(100000).default(1000)
      .describe('Concurrent MTA connections; more are closed at once (Postfix applies milter_default_action).'),
    max_connections_per_client: z.number().int().min(1).max(100000).default(500)
      .describe('Concurrent connections from one client address, so one host or local process cannot take every slot of max_connections. Postfix opens one per smtpd and cleanup process (default_process_limit: 100), so 500 leaves a busy one room; local TCP clients all come from 127.0.0.1 and count as one. Unix-socket peers have no address and are not counted (the socket mode decides who connects): a local Postfix on the unix socket cannot be crowded out by other local processes.'),
    idle_timeout_seconds: seconds(300, 'Close a connection whose MTA sent nothing for this long (Postfix keeps milter connections per SMTP session).'),
    max_scan_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024)
      .describe('Bytes of headers and body kept for scanning; the rest passes through unbuffered and NOT_FULLY_SCANNED is added.'),
    max_headers: z.number().int().min(1).max(100000).default(1000)
      .describe('Headers kept for scanning; more pass through unscanned.'),
    max_frame_bytes: z.number().int().min(65536 + 5).max(64 * 1024 * 1024).default(1024 * 1024)
      .describe('Largest milter packet accepted; larger closes the connection (Postfix sends a header in one packet).'),
    shutdown_grace_seconds: seconds(10, 'On SIGTERM, how long messages in flight may take to finish.'),
    progress_interval_seconds: seconds(5, 'While checks run, send SMFIR_PROGRESS this often so the MTA content timeout does not fire.'),
    check_timeout_seconds: seconds(10, 'Time limit of one check; a check that runs out adds no symbol and is logged.'),
  })
  .prefault({});

export const metricsSchema = z
  .strictObject({
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, { message: 'expected HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:9332' })
      .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, { message: 'port must be at most 65535' })
      .nullable()
      .default(null)
      .describe('Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9332; null: off. Keep it on loopback or behind a firewall.'),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    listen: z.array(listenSpec).min(1).default(['inet:127.0.0.1:11332'])
      .describe('Where to listen, in Postfix milter syntax: inet:HOST:PORT, inet:[IPv6]:PORT or unix:/path. `serve --listen` replaces this list.'),
    unix_socket_mode: z.string().regex(/^0?[0-7]{3}$/, { message: 'expected an octal mode such as 0660' }).default('0660')
      .describe('Permissions of unix sockets (octal); the MTA user must be able to connect.'),
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(MAX_WORKERS)]).default('auto')
      .describe('Processes that serve connections, sharing the listening sockets: auto (one per CPU) or a number; 1 is a single process. `serve --workers` overrides this. Read at start only.'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info')
      .describe('fatal, error, warn, info, debug or trace: info logs one line per decided message, debug adds protocol traces.'),
    log_summary_seconds: seconds(60, 'Refused and broken connections (limits reached, protocol errors, idle timeouts): the first of each cause is logged at once, then one line per cause this often says how many followed (repeated).'),
    limits: limitsSchema,
    metrics: metricsSchema,
    thresholds: thresholdsSchema,
    replies: repliesSchema,
    headers: headersSchema,
    rules: rulesSchema,
    policies: policiesSchema,
    lists: listsSchema,
    data_dir: dataDirSchema,
    store: storeSchema,
    redis: redisSchema,
    bayes: bayesSchema,
    dns: dnsSchema,
    dnsbl: dnsblSchema,
    greylisting: greylistingSchema,
    rate_limits: rateLimitsSchema,
    bad_sessions: badSessionsSchema,
    clamav: clamavSchema,
    spamd: spamdSchema,
    auth: authSchema,
    disabled_symbols: z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/)).default([])
      .describe('Symbols never emitted, e.g. [NOT_FULLY_SCANNED]; a check whose symbols are all disabled does not run; an unknown name is an error.'),
    scores: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.number()).default({})
      .describe('Override the score of any symbol by name, e.g. {NOT_FULLY_SCANNED: 0.5}; an unknown name is an error.'),
  });

export type Config = z.infer<typeof configSchema>;
export type Limits = Config['limits'];
