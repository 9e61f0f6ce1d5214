import type { Config } from '../config/schema.js';
import type { Check } from '../engine/check.js';
import type { TokenStore } from '../store/tokens.js';
import { badSessionChecks } from './bad-sessions.js';
import { authChecks } from './auth/index.js';
import { bayesCheck } from './bayes.js';
import { bodyCheck } from './content/body.js';
import { dnsChecks } from './dns/index.js';
import { headersCheck } from './content/headers.js';
import { contentChecks } from './content/index.js';
import { greylistChecks } from './greylist/index.js';
import { gtubeCheck } from './gtube.js';
import { listChecks } from './lists/index.js';
import { rateLimitChecks } from './rate-limit.js';
import { relayCheck } from './relay.js';
import { ruleChecks } from './rules/index.js';
import { scanLimitCheck } from './scan-limit.js';
import { scannerChecks } from './scanners.js';

/** The registry: every check Thresher runs, listed explicitly, built from the config. */
export function builtinChecks(config: Readonly<Config>, deps: { tokens?: TokenStore } = {}): Check[] {
  const checks = [gtubeCheck, scanLimitCheck, headersCheck, bodyCheck, relayCheck(config.dnsbl), ...contentChecks, ...dnsChecks(config.dnsbl), ...listChecks(config.lists), ...authChecks(config.auth), ...(config.bayes.enabled ? [bayesCheck(config.bayes, deps.tokens)] : []), ...scannerChecks(config)];
  const stateChecks = [...greylistChecks(config.greylisting), ...rateLimitChecks(config.rate_limits), ...badSessionChecks(config.bad_sessions)];
  return [...checks, ...stateChecks, ...ruleChecks(config.rules, checks)];
}
