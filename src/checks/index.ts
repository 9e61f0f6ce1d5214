import type { Config } from '../config/schema.js';
import type { Check } from '../engine/check.js';
import { gtubeCheck } from './gtube.js';
import { listChecks } from './lists/index.js';
import { ruleChecks } from './rules/index.js';
import { scanLimitCheck } from './scan-limit.js';

/** The registry: every check Thresher runs, listed explicitly, built from the config. */
export function builtinChecks(config: Readonly<Config>): Check[] {
  const checks = [gtubeCheck, scanLimitCheck, ...listChecks(config.lists)];
  return [...checks, ...ruleChecks(config.rules, checks)];
}
