import type { Config } from './schema.js';

// Settings the schema accepts because someone may want them, but that lose or refuse mail an
// admin did not mean to lose: `config check` prints them (and `--strict` fails on them).

export interface ConfigWarning {
  /** The config path the warning is about, e.g. `policies.0.thresholds.reject`. */
  path: string;
  message: string;
}

/**
 * Postfix's default smtpd_timeout. Postfix opens one milter connection per SMTP session and
 * keeps it while it waits, up to smtpd_timeout, for the client's next command; the milter
 * sees nothing meanwhile. A milter that closes sooner makes the next command of a slow but
 * legitimate client fail with milter_default_action (tempfail by default). Postfix's own
 * milter_*_timeout settings bound how long Postfix waits for us, not the other way round.
 */
export const POSTFIX_SMTPD_TIMEOUT_SECONDS = 300;

type Thresholds = Config['thresholds'];

/** What each action threshold does to a message that reaches it. */
const ACTIONS = {
  quarantine: 'put on hold',
  tempfail: 'deferred',
  reject: 'refused',
  discard: 'accepted and silently dropped',
} as const;

export function configWarnings(config: Readonly<Config>): ConfigWarning[] {
  const warnings = thresholdWarnings(config.thresholds, config.thresholds, (key) => `thresholds.${key}`);
  config.policies.forEach((p, i) => {
    // A spam lover is never held, refused, deferred or dropped: its action thresholds do nothing.
    if (p.spam_lover) return;
    const own: Partial<Thresholds> = p.thresholds;
    const effective: Thresholds = { ...config.thresholds };
    for (const [k, v] of Object.entries(own)) if (v !== undefined) (effective as Record<string, unknown>)[k] = v;
    warnings.push(...thresholdWarnings(effective, own, (key) => `policies.${i}.thresholds.${key}`));
  });
  const idle = config.limits.idle_timeout_seconds;
  if (idle < POSTFIX_SMTPD_TIMEOUT_SECONDS) {
    warnings.push({
      path: 'limits.idle_timeout_seconds',
      message:
        `${idle} s is below Postfix's smtpd_timeout (${POSTFIX_SMTPD_TIMEOUT_SECONDS} s by default): Postfix keeps the milter connection ` +
        'while it waits for a slow SMTP client, and finding it closed applies milter_default_action (tempfail by default) to that mail',
    });
  }
  return warnings;
}

/**
 * Warnings about the thresholds `t` that come from the settings in `own` (a policy's own
 * keys; for the global thresholds, all of them), so a global problem is told once.
 */
function thresholdWarnings(t: Thresholds, own: Partial<Thresholds>, path: (key: string) => string): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (t.spam <= 0 && own.spam !== undefined) {
    warnings.push({ path: path('spam'), message: `${t.spam} means a message no check found anything against (score 0) is spam` });
  }
  for (const [key, what] of Object.entries(ACTIONS) as [keyof typeof ACTIONS, string][]) {
    const at = t[key];
    if (at === null) continue;
    if (at < t.spam && (own[key] !== undefined || own.spam !== undefined)) {
      warnings.push({ path: path(key), message: `${at} is below the spam threshold (${t.spam}): mail not judged spam is ${what}` });
    }
    if (key === 'discard' && own.discard !== undefined) {
      warnings.push({
        path: path(key),
        message: `mail scoring ${at} or more is ${what}: neither sender nor recipient ever learns of it; reject (the sender is told) or quarantine (it can be released) lose nothing`,
      });
    }
  }
  return warnings;
}
