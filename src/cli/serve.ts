import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { startMetricsEndpoint } from '../metrics/http.js';
import { prometheusMetrics } from '../metrics/prometheus.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { Background } from '../scan/pipeline.js';
import { startServer } from '../server/server.js';
import { openTokenFileIfUsable } from './token-file.js';

export interface ServeOptions {
  listen?: string[];
  config?: string;
  dataDir?: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const config = await loadConfig(opts.config);
  const { log, flush } = createLogger(config.log_level);
  // Metrics are collected only when they are served: otherwise every observation is a no-op.
  const metrics = config.metrics.listen === null ? undefined : prometheusMetrics();
  const services = createServices({ log, services: metrics ? { metrics } : {} });
  const background = new Background();
  const pipelineFor = (c: typeof config, tokens?: Parameters<typeof createPipeline>[1]['tokens']) =>
    createPipeline(c, { services, source: opts.config, tokens, learn: true, background });
  // A config the checks refuse stops here, before the token store is created.
  pipelineFor(config);
  // Bayes needs its token file; without it the server still runs, unlearned.
  const tokens = openTokenFileIfUsable(config, opts.dataDir, true, (file, message) => {
    log.error({ file, err: message }, 'cannot open the Bayes token store; running without Bayes');
  });
  const pipeline = pipelineFor(config, tokens);
  const server = await startServer({ config, pipeline, log, listen: opts.listen });
  const endpoint = metrics && config.metrics.listen !== null
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP: reload the config file; an invalid one is refused and the running config stays.
  process.on('SIGHUP', () => {
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
  });
}
