import { isIP } from 'node:net';
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { scanOffline } from '../scan/offline.js';
import { openStores } from '../store/open.js';
import { checkInputs } from './check-input.js';
import { explain, toJson, toText } from './check-report.js';
import { withStoreOption } from './store-option.js';
import { UsageError } from './usage-error.js';

export interface CheckOptions {
  json?: boolean;
  config?: string;
  from?: string;
  rcpt?: string[];
  ip?: string;
  hostname?: string;
  helo?: string;
  dataDir?: string;
  store?: string;
}

/**
 * Scores messages offline through the server's own transaction (same checks, policies and
 * headers), for an envelope given on the command line. Exit 1 if some input could not be
 * read or is not a message (each is named on stderr, and with --json as an error object).
 */
export async function check(paths: string[], opts: CheckOptions): Promise<number> {
  if (opts.ip !== undefined && isIP(opts.ip) === 0) throw new UsageError(`check --ip ${opts.ip}: not an IP address`);
  if (opts.hostname !== undefined && opts.ip === undefined) throw new UsageError('check --hostname names the client of --ip: give both');
  const config = withStoreOption(await loadConfig(opts.config), opts.store);
  // Bayes reads the token store if one was learned; check never creates state.
  const stores = await openStores(config, { create: false, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) }).catch((err: Error) => {
    process.stderr.write(`thresher: ${err.message}; scoring without Bayes\n`);
    return undefined;
  });
  const tokens = stores?.tokens;
  const log = pino({ level: 'warn' }, pino.destination(2));
  const pipeline = createPipeline(config, { services: createServices({ log, dnsServers: config.dns.servers, ...(stores ? { store: stores.kv } : {}) }), source: opts.config, tokens });
  let status = 0;
  try {
    for await (const input of checkInputs(paths)) {
      if ('problem' in input) {
        process.stderr.write(`${input.name}: ${input.problem}\n`);
        if (opts.json) process.stdout.write(`${JSON.stringify({ file: input.name, error: input.problem })}\n`);
        status = 1;
        continue;
      }
      const outcome = await scanOffline(pipeline, input.raw, {
        // Without --ip, the client is the relay the message's Received headers say handed it in.
        client: opts.ip === undefined ? undefined : { hostname: opts.hostname ?? '', address: opts.ip, port: 0, family: isIP(opts.ip) === 6 ? 'inet6' : 'inet' },
        helo: opts.helo,
        sender: opts.from ?? '',
        recipients: opts.rcpt ?? [],
      }, log);
      const explained = explain(outcome, (recipient) => pipeline.policies.select({ recipient, sender: opts.from ?? '', clientAddress: opts.ip, authenticated: false }).name);
      process.stdout.write(opts.json ? `${JSON.stringify(toJson(input.name, explained))}\n` : toText(input.name, explained));
    }
  } finally {
    await stores?.close();
  }
  return status;
}
