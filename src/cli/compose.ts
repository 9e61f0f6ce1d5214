import { builtinChecks } from '../checks/index.js';
import type { Config } from '../config/schema.js';
import { Engine } from '../engine/engine.js';

/** The engine with every registered check, configured. */
export function createEngine(config: Readonly<Config>): Engine {
  return new Engine(builtinChecks(config), {
    scores: config.scores,
    disabled: config.disabled_symbols,
    checkTimeoutMs: config.limits.check_timeout_seconds * 1000,
  });
}
