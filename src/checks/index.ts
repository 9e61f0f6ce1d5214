import type { Check } from '../engine/check.js';
import { gtubeCheck } from './gtube.js';
import { scanLimitCheck } from './scan-limit.js';

/** The registry: every check Thresher runs, listed explicitly. */
export function builtinChecks(): Check[] {
  return [gtubeCheck, scanLimitCheck];
}
