import type { Config } from '../config/schema.js';
import type { Check } from '../engine/check.js';
import { clamavCheck } from './clamav/index.js';
import { spamdCheck } from './spamd.js';

/** The remote scanners, each only when servers are configured (they are off by default). */
export function scannerChecks(config: Pick<Config, 'clamav' | 'spamd'>): Check[] {
  return [...(config.clamav.servers.length > 0 ? [clamavCheck(config.clamav)] : []), ...(config.spamd.servers.length > 0 ? [spamdCheck(config.spamd)] : [])];
}
