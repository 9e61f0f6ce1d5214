import { readListenSpec } from '../config/listen-spec.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { Background } from '../scan/pipeline.js';
import { startServer, type RunningServer } from '../server/server.js';
import { openTokenFileIfUsable } from './token-file.js';
import { UsageError } from './usage-error.js';

export interface ServeOptions {
  listen?: string[];
  config?: string;
  dataDir?: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  for (const spec of opts.listen ?? []) {
    const read = readListenSpec(spec);
    if ('problem' in read) throw new UsageError(`serve --listen ${spec}: ${read.problem}`);
  }
  const config = await loadConfig(opts.config);
  const { log, flush } = createLogger(config.log_level);
  const services = createServices({ log });
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
  let server: RunningServer;
  try {
    server = await startServer({ config, pipeline, log, listen: opts.listen });
  } catch (err) {
    tokens?.close();
    throw cannotListen(err);
  }
  log.info({ config: opts.config ?? null, dataDir: opts.dataDir ?? config.data_dir, bayes: tokens !== undefined, checks: pipeline.engine.checks.map((c) => c.name) }, 'thresher ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    server.close().then(
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

/**
 * The system refused an address (in use, no permission, not local, no such directory; the
 * server's own unix socket checks use the same codes): the admin's to fix, so one line.
 * Anything else is a fault of ours and keeps its stack trace.
 */
function cannotListen(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return err instanceof Error && typeof code === 'string' ? new UsageError(`cannot listen: ${err.message}`) : err;
}
