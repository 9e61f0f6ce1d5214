import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { MAX_WORKERS, type Config } from '../config/schema.js';
import { createLogger } from '../log.js';
import { startMetricsEndpoint } from '../metrics/http.js';
import { clusterMetricsSource, prometheusMetrics, shareWithPrimary } from '../metrics/prometheus.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { Background } from '../scan/pipeline.js';
import { reportReady, runPrimary } from '../server/cluster.js';
import { parseListenSpec } from '../server/listen-spec.js';
import { removeStaleSocket, startServer } from '../server/server.js';
import { holdSignals, type HeldSignals } from '../server/signals.js';
import { openTokenFileIfUsable } from './token-file.js';

export interface ServeOptions {
  listen?: string[];
  config?: string;
  dataDir?: string;
  /** Overrides config.workers. */
  workers?: number | 'auto';
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
  const config = await loadConfig(opts.config);
  if (cluster.isWorker) return serveConnections(opts, config, signals, { worker: cluster.worker!.id, pid: process.pid });
  const setting = opts.workers ?? config.workers;
  const workers = setting === 'auto' ? availableParallelism() : setting;
  if (workers === 1) return serveConnections(opts, config, signals, {});

  const { log, flush } = createLogger(config.log_level);
  // A config the checks refuse stops here, once, before any worker is forked.
  createPipeline(config, { services: createServices({ log }), source: opts.config });
  await prepareSharedState(opts, config, log);
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
 * take it for another instance's), and creating the Bayes token database's tables.
 */
async function prepareSharedState(opts: ServeOptions, config: Readonly<Config>, log: Logger): Promise<void> {
  const listen = opts.listen && opts.listen.length > 0 ? opts.listen : config.listen;
  for (const spec of listen.map(parseListenSpec)) if (spec.kind === 'unix') await removeStaleSocket(spec.path);
  openTokenFileIfUsable(config, opts.dataDir, true, (file, message) => {
    log.error({ file, err: message }, 'cannot open the Bayes token store; the workers will run without Bayes');
  })?.close();
}

/** The server itself: the only process with --workers 1, otherwise each worker. */
async function serveConnections(opts: ServeOptions, config: Readonly<Config>, signals: HeldSignals, identity: { worker?: number; pid?: number }): Promise<void> {
  const logger = createLogger(config.log_level);
  const { flush } = logger;
  const log = identity.worker === undefined ? logger.log : logger.log.child(identity);
  // Metrics are collected only when they are served: otherwise every observation is a no-op.
  // A worker's are served by the primary, which asks every worker for them.
  const metrics = config.metrics.listen === null ? undefined : prometheusMetrics();
  if (metrics && identity.worker !== undefined) shareWithPrimary(metrics);
  const services = createServices({ log, services: metrics ? { metrics } : {} });
  const background = new Background();
  const pipelineFor = (c: Readonly<Config>, tokens?: Parameters<typeof createPipeline>[1]['tokens']) =>
    createPipeline(c, { services, source: opts.config, tokens, learn: true, background });
  // A config the checks refuse stops here, before the token store is created.
  pipelineFor(config);
  // Bayes needs its token file; without it the server still runs, unlearned.
  const tokens = openTokenFileIfUsable(config, opts.dataDir, true, (file, message) => {
    log.error({ file, err: message }, 'cannot open the Bayes token store; running without Bayes');
  });
  const pipeline = pipelineFor(config, tokens);
  const server = await startServer({ config, pipeline, log, listen: opts.listen });
  const endpoint = metrics && config.metrics.listen !== null && identity.worker === undefined
    ? await startMetricsEndpoint(config.metrics.listen, async () => ({ body: await metrics.registry.metrics(), contentType: metrics.registry.contentType }), log)
    : undefined;
  if (endpoint) log.info({ metrics: `http://${endpoint.address}/metrics` }, 'serving metrics');
  log.info({ config: opts.config ?? null, dataDir: opts.dataDir ?? config.data_dir, bayes: tokens !== undefined, checks: pipeline.engine.checks.map((c) => c.name) }, 'thresher ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    Promise.all([server.close(), endpoint?.close()]).then(
      () => {
        tokens?.close();
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
  // SIGHUP: reload the config file; an invalid one is refused and the running config stays.
  const reload = () => {
    if (opts.config === undefined) {
      log.warn('SIGHUP: no --config file to reload; built-in defaults stay');
      return;
    }
    loadConfig(opts.config)
      .then((next) => {
        server.reload(next, pipelineFor(next, tokens));
        log.info({ config: opts.config }, 'configuration reloaded');
      })
      .catch((err: unknown) => {
        log.error({ config: opts.config, err: (err as Error).message }, 'reload refused: configuration invalid, the running one stays');
      });
  };
  signals.deliverTo((signal) => (signal === 'SIGHUP' ? reload() : stop(signal)));
  if (identity.worker !== undefined) reportReady();
}
