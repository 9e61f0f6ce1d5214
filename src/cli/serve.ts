import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { bayesStatus } from '../checks/bayes.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { parseListenSpec, readListenSpec } from '../config/listen-spec.js';
import { MAX_WORKERS, type Config } from '../config/schema.js';
import { configWarnings } from '../config/warnings.js';
import { createLogger } from '../log.js';
import { startMetricsEndpoint } from '../metrics/http.js';
import { clusterMetricsSource, prometheusMetrics, shareWithPrimary } from '../metrics/prometheus.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { Background } from '../scan/pipeline.js';
import type { Services } from '../scan/services.js';
import { reportReady, runPrimary } from '../server/cluster.js';
import { removeStaleSocket, startServer, type RunningServer } from '../server/server.js';
import { holdSignals, type HeldSignals } from '../server/signals.js';
import { MemoryKeyValueStore } from '../store/memory-kv.js';
import { openStores, REPLACED_CHECK_MS, type Stores } from '../store/open.js';
import { withStoreOption } from './store-option.js';
import { UsageError } from './usage-error.js';

/** How long the ready line waits for the scanners' servers to say who they are (they answer in milliseconds when up). */
const SERVER_PROBE_MS = 5000;

export interface ServeOptions {
  listen?: string[];
  config?: string;
  dataDir?: string;
  /** Overrides config.workers. */
  workers?: number | 'auto';
  /** Overrides config.store. */
  store?: string;
}

/** The value of `serve --workers`: auto or a count, as the config's `workers` key takes. */
export function parseWorkers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!/^\d{1,3}$/.test(value) || n < 1 || n > MAX_WORKERS) throw new ConfigError(`--workers ${value}: expected auto or a whole number from 1 to ${MAX_WORKERS}`);
  return n;
}

export async function serve(opts: ServeOptions): Promise<void> {
  // Before anything listens: an early SIGHUP must not end the process (issue 12, defect 6).
  const signals = holdSignals();
  for (const spec of opts.listen ?? []) {
    const read = readListenSpec(spec);
    if ('problem' in read) throw new UsageError(`serve --listen ${spec}: ${read.problem}`);
  }
  const config = withStoreOption(await loadConfig(opts.config), opts.store);
  if (cluster.isWorker) return serveConnections(opts, config, signals, { worker: cluster.worker!.id, pid: process.pid });
  const setting = opts.workers ?? config.workers;
  const workers = setting === 'auto' ? availableParallelism() : setting;
  if (workers === 1) return serveConnections(opts, config, signals, {});

  const { log, flush } = createLogger(config.log_level);
  // A config the checks refuse stops here, once, before any worker is forked.
  createPipeline(config, { services: createServices({ log }), source: opts.config });
  await prepareSharedState(opts, config, log).catch((err: unknown) => {
    throw cannotListen(err);
  });
  // The workers count; the primary serves the sum of their metrics.
  const endpoint = config.metrics.listen === null ? undefined : await startMetricsEndpoint(config.metrics.listen, clusterMetricsSource(), log);
  if (endpoint) log.info({ metrics: `http://${endpoint.address}/metrics` }, 'serving metrics');
  const code = await runPrimary({ workers, log: log.child({ primary: process.pid }), signals, shutdownGraceMs: config.limits.shutdown_grace_seconds * 1000 });
  await endpoint?.close();
  flush();
  process.exit(code);
}

/**
 * What the workers would race for if each did it: removing a unix socket file a crashed run
 * left (the first worker to listen makes the primary create the socket, and the next would
 * take it for another instance's), and creating the state and token databases' tables. And
 * what every worker would fail at, each with its own line: an address already in use.
 */
async function prepareSharedState(opts: ServeOptions, config: Readonly<Config>, log: Logger): Promise<void> {
  const listen = opts.listen && opts.listen.length > 0 ? opts.listen : config.listen;
  for (const spec of listen.map(parseListenSpec)) {
    if (spec.kind === 'unix') await removeStaleSocket(spec.path);
    else if (spec.port !== 0) await probeListen(spec.host, spec.port);
  }
  const stores = await openStores(config, { create: true, log, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) }).catch((err: Error) => {
    log.error({ err: err.message }, 'cannot open the state store; the workers will run without Bayes');
    return undefined;
  });
  await stores?.close();
}

/** The server itself: the only process with --workers 1, otherwise each worker. */
async function serveConnections(opts: ServeOptions, initial: Readonly<Config>, signals: HeldSignals, identity: { worker?: number; pid?: number }): Promise<void> {
  let config = initial;
  const logger = createLogger(config.log_level);
  const { flush } = logger;
  const log = identity.worker === undefined ? logger.log : logger.log.child(identity);
  // Metrics are collected only when they are served: otherwise every observation is a no-op.
  // A worker's are served by the primary, which asks every worker for them.
  const metrics = config.metrics.listen === null ? undefined : prometheusMetrics();
  if (metrics && identity.worker !== undefined) shareWithPrimary(metrics);
  const background = new Background();
  // Without its stores the server still runs, unlearned and with state in memory; SIGHUP tries to open them again.
  const open = () =>
    openStores(config, { create: true, log, watchEveryMs: REPLACED_CHECK_MS, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) }).catch((err: Error) => {
      log.error({ err: err.message }, 'cannot open the state store; running without Bayes');
      return undefined;
    });
  const servicesFor = (c: Readonly<Config>, s: Stores | undefined): Services => createServices({ log, dns: c.dns, store: s?.kv ?? new MemoryKeyValueStore(), services: metrics ? { metrics } : {} });
  const pipelineFor = (c: Readonly<Config>, s: Stores | undefined) =>
    createPipeline(c, { services: servicesFor(c, s), source: opts.config, tokens: s?.tokens, learn: true, background });
  // A config the checks refuse stops here, before the stores are created.
  pipelineFor(config, undefined);
  let stores = await open();
  const pipeline = pipelineFor(config, stores);
  let server: RunningServer;
  try {
    server = await startServer({ config, pipeline, log, listen: opts.listen });
  } catch (err) {
    await stores?.close();
    throw cannotListen(err);
  }
  const endpoint = metrics && config.metrics.listen !== null && identity.worker === undefined
    ? await startMetricsEndpoint(config.metrics.listen, async () => ({ body: await metrics.registry.metrics(), contentType: metrics.registry.contentType }), log)
    : undefined;
  if (endpoint) log.info({ metrics: `http://${endpoint.address}/metrics` }, 'serving metrics');
  // What `config check` warns about, the log says too: a server may be started without it.
  if (identity.worker === undefined || identity.worker === 1) for (const w of configWarnings(config)) log.warn(w, 'configuration warning');
  const bayes = await bayesStatus(config.bayes, stores?.tokens).catch((err: Error) => `unavailable: ${err.message}`);
  // The scanners' own servers (clamd's version, spamd's PONG), so the ready line says what answers.
  const servers = await pipeline.engine.probe(log, SERVER_PROBE_MS);
  log.info({ config: opts.config ?? null, dataDir: opts.dataDir ?? config.data_dir, store: config.store, bayes, checks: pipeline.engine.checks.map((c) => c.name), servers }, 'thresher ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    Promise.all([server.close(), endpoint?.close()]).then(
      async () => {
        await stores?.close();
        log.info('stopped');
        flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        flush();
        process.exit(1);
      },
    );
  };
  // SIGHUP: reopen store files replaced under us (or open stores that failed at start), then
  // reload the config file; an invalid one is refused and the running config stays.
  const reload = async () => {
    const reopened = stores === undefined;
    if (stores !== undefined) stores.reopenIfReplaced();
    else {
      stores = await open();
      if (stores !== undefined) log.info({ store: config.store, bayes: await bayesStatus(config.bayes, stores.tokens) }, 'state store opened');
    }
    if (opts.config === undefined) {
      if (reopened && stores !== undefined) server.reload(config, pipelineFor(config, stores));
      log.warn('SIGHUP: no --config file to reload; built-in defaults stay');
      return;
    }
    try {
      const next = withStoreOption(await loadConfig(opts.config), opts.store);
      server.reload(next, pipelineFor(next, stores));
      config = next;
      log.info({ config: opts.config }, 'configuration reloaded');
    } catch (err) {
      log.error({ config: opts.config, err: (err as Error).message }, 'reload refused: configuration invalid, the running one stays');
    }
  };
  signals.deliverTo((signal) => {
    if (signal !== 'SIGHUP') return stop(signal);
    reload().catch((err: unknown) => log.error({ err: (err as Error).message }, 'SIGHUP handling failed'));
  });
  if (identity.worker !== undefined) reportReady();
}

/** Binds and lets go at once: the address can be listened on. */
function probeListen(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * The system refused an address (in use, no permission, not local, no such directory; the
 * server's own unix socket checks use the same codes): the admin's to fix, so one line.
 * Anything else is a fault of ours and keeps its stack trace.
 */
function cannotListen(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return err instanceof Error && typeof code === 'string' ? new UsageError(`cannot listen: ${err.message}`) : err;
}
