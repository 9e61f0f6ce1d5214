import type { Config } from '../config/schema.js';
import type { Check } from '../engine/check.js';
import { gtubeCheck } from './gtube.js';
import { scanLimitCheck } from './scan-limit.js';

/** The registry: every check Thresher runs, listed explicitly, built from the config. */
export function builtinChecks(_config: Readonly<Config>): Check[] {
  return [gtubeCheck, scanLimitCheck];
}
