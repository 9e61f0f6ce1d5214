import { bayesStatus } from '../checks/bayes.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { startServer } from '../server/server.js';
import { openStores, REPLACED_CHECK_MS, type Stores } from '../store/open.js';
import { createEngine } from './compose.js';
import { withStoreOption } from './store-option.js';

export interface ServeOptions {
  listen?: string[];
  config?: string;
  dataDir?: string;
  store?: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  let config = withStoreOption(await loadConfig(opts.config), opts.store);
  const { log, flush } = createLogger(config.log_level);
  // A config the checks refuse stops here, before the stores are created.
  createEngine(config, opts.config);
  // Without its stores the server still runs, unlearned; SIGHUP tries to open them again.
  const open = () =>
    openStores(config, { create: true, log, watchEveryMs: REPLACED_CHECK_MS, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) }).catch((err: Error) => {
      log.error({ err: err.message }, 'cannot open the state store; running without Bayes');
      return undefined;
    });
  let stores: Stores | undefined = await open();
  const engine = createEngine(config, opts.config, { tokens: stores?.tokens });
  const server = await startServer({ config, engine, log, listen: opts.listen });
  log.info({ config: opts.config ?? null, dataDir: opts.dataDir ?? config.data_dir, store: config.store, bayes: await bayesStatus(config.bayes, stores?.tokens).catch((err: Error) => `unavailable: ${err.message}`), checks: engine.checks.map((c) => c.name) }, 'thresher ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    server.close().then(
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP: reopen store files replaced under us (or open stores that failed at start), then
  // reload the config file; an invalid one is refused and the running config stays.
  process.on('SIGHUP', () => {
    const reopened = stores === undefined;
    if (stores !== undefined) stores.reopenIfReplaced();
    (async () => {
      if (reopened) {
        stores = await open();
        if (stores !== undefined) log.info({ store: config.store, bayes: await bayesStatus(config.bayes, stores.tokens) }, 'state store opened');
      }
      if (opts.config === undefined) {
        if (reopened && stores !== undefined) server.reload(config, createEngine(config, opts.config, { tokens: stores.tokens }));
        log.warn('SIGHUP: no --config file to reload; built-in defaults stay');
        return;
      }
      try {
        const next = withStoreOption(await loadConfig(opts.config), opts.store);
        server.reload(next, createEngine(next, opts.config, { tokens: stores?.tokens }));
        config = next;
        log.info({ config: opts.config }, 'configuration reloaded');
      } catch (err) {
        log.error({ config: opts.config, err: (err as Error).message }, 'reload refused: configuration invalid, the running one stays');
      }
    })().catch((err: unknown) => log.error({ err: (err as Error).message }, 'SIGHUP handling failed'));
  });
}
