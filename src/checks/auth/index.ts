import { hostname } from 'node:os';
import type { AuthConfig } from '../../config/auth.js';
import type { Check } from '../../engine/check.js';
import { messageAuthCheck } from './message-auth.js';
import { mailauth } from './mailauth.js';
import { spfCheck } from './spf.js';

/** Sender authentication: SPF at MAIL, then DKIM, ARC and DMARC with Authentication-Results at end of message. */
export function authChecks(config: Readonly<AuthConfig>): Check[] {
  const authservId = config.authserv_id ?? hostname();
  const timeoutMs = config.timeout_seconds * 1000;
  const checks: Check[] = [];
  if (!config.enabled) return checks;
  if (config.spf.enabled) checks.push(spfCheck({ authservId, timeoutMs }));
  if (config.dkim.enabled || config.arc.enabled) {
    checks.push(messageAuthCheck({
      authservId,
      timeoutMs,
      dkim: { enabled: config.dkim.enabled, minKeyBits: config.dkim.min_key_bits },
      arc: config.arc.enabled,
      dmarc: { enabled: config.dmarc.enabled, apply: config.dmarc.apply_policy, rejectReply: config.dmarc.reject_reply, trustedSealers: config.arc.trusted_sealers },
    }));
  }
  // Loaded in the background now, so the first message does not wait for it.
  if (checks.length > 0) mailauth().catch(() => undefined);
  return checks;
}
