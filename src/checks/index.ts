import type { Config } from '../config/schema.js';
import type { Check } from '../engine/check.js';
import type { TokenStore } from '../store/tokens.js';
import { authChecks } from './auth/index.js';
import { bayesCheck } from './bayes.js';
import { bodyCheck } from './content/body.js';
import { headersCheck } from './content/headers.js';
import { contentChecks } from './content/index.js';
import { gtubeCheck } from './gtube.js';
import { listChecks } from './lists/index.js';
import { relayCheck } from './relay.js';
import { ruleChecks } from './rules/index.js';
import { scanLimitCheck } from './scan-limit.js';

/** The registry: every check Thresher runs, listed explicitly, built from the config. */
export function builtinChecks(config: Readonly<Config>, deps: { tokens?: TokenStore } = {}): Check[] {
  const checks = [gtubeCheck, scanLimitCheck, headersCheck, bodyCheck, relayCheck, ...contentChecks, ...listChecks(config.lists), ...authChecks(config.auth), ...(config.bayes.enabled ? [bayesCheck(config.bayes, deps.tokens)] : [])];
  return [...checks, ...ruleChecks(config.rules, checks)];
}
