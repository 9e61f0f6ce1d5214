import { builtinChecks } from '../checks/index.js';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Engine } from '../engine/engine.js';
import type { TokenStore } from '../store/tokens.js';

/**
 * The engine with every registered check, configured. A check that refuses its config
 * (a rule named like a built-in symbol, a score for an unknown symbol) is a ConfigError:
 * the admin sees one line naming it, not a stack trace.
 */
export function createEngine(config: Readonly<Config>, source = 'configuration', deps: { tokens?: TokenStore } = {}): Engine {
  try {
    return new Engine(builtinChecks(config, deps), {
      scores: config.scores,
      disabled: config.disabled_symbols,
      checkTimeoutMs: config.limits.check_timeout_seconds * 1000,
    });
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
}
