import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { startServer } from '../server/server.js';
import { createEngine } from './compose.js';

export interface ServeOptions {
  listen?: string[];
  config?: string;
  dataDir?: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const config = await loadConfig(opts.config);
  const { log, flush } = createLogger(config.log_level);
  const engine = createEngine(config);
  const server = await startServer({ config, engine, log, listen: opts.listen });
  log.info({ config: opts.config ?? null, dataDir: opts.dataDir ?? null, checks: engine.checks.map((c) => c.name) }, 'thresher ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    server.close().then(
      () => {
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
  // Reload is not built yet; without a handler SIGHUP would kill the server mid-message.
  process.on('SIGHUP', () => log.warn('SIGHUP: configuration reload is not supported yet; restart to apply changes'));
}
