import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { isStoreSpec, STORE_SPEC_HELP } from '../config/store.js';

/** The config with `--store` in place of its `store` key; a bad value is a usage error naming the option. */
export function withStoreOption(config: Readonly<Config>, store: string | undefined): Readonly<Config> {
  if (store === undefined) return config;
  if (!isStoreSpec(store)) throw new ConfigError(`--store ${store}: ${STORE_SPEC_HELP}`);
  return Object.freeze({ ...config, store });
}
