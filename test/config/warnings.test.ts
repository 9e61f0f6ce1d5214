import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configWarnings, POSTFIX_SMTPD_TIMEOUT_SECONDS } from '../../src/config/warnings.js';

const warned = (raw: unknown) => configWarnings(parseConfig(raw)).map((w) => `${w.path}: ${w.message}`);

describe('configWarnings', () => {
  it('says nothing about the defaults or a sane config', () => {
    expect(warned({})).toEqual([]);
    expect(warned({ thresholds: { spam: 6, quarantine: 10, reject: 15 }, limits: { idle_timeout_seconds: 600 } })).toEqual([]);
  });

  it('warns when an action threshold is below the spam threshold', () => {
    expect(warned({ thresholds: { reject: 4 } })).toEqual(['thresholds.reject: 4 is below the spam threshold (5): mail not judged spam is refused']);
    expect(warned({ thresholds: { spam: 8, quarantine: 7, tempfail: 6 } })).toEqual([
      'thresholds.quarantine: 7 is below the spam threshold (8): mail not judged spam is put on hold',
      'thresholds.tempfail: 6 is below the spam threshold (8): mail not judged spam is deferred',
    ]);
  });

  it('warns about a spam threshold at or below zero', () => {
    expect(warned({ thresholds: { spam: -1 } })).toEqual(['thresholds.spam: -1 means a message no check found anything against (score 0) is spam']);
    expect(warned({ thresholds: { spam: 0 } })).toHaveLength(1);
  });

  it('warns whenever discard is on, and when it is below spam', () => {
    const w = warned({ thresholds: { discard: 3 } });
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/^thresholds\.discard: 3 is below the spam threshold/);
    expect(w[1]).toMatch(/^thresholds\.discard: mail scoring 3 or more is accepted and silently dropped/);
    expect(warned({ thresholds: { discard: 50 } })).toHaveLength(1);
  });

  it('judges each policy with its own thresholds, once per problem, and skips spam lovers', () => {
    const w = warned({
      thresholds: { reject: 20 },
      policies: [
        { name: 'strict', thresholds: { spam: 30 } },
        { name: 'own', thresholds: { quarantine: 2 } },
        { name: 'lover', spam_lover: true, thresholds: { reject: 1, discard: 1 } },
        { name: 'fine', thresholds: { spam: 3 } },
      ],
    });
    expect(w).toEqual([
      'policies.0.thresholds.reject: 20 is below the spam threshold (30): mail not judged spam is refused',
      'policies.1.thresholds.quarantine: 2 is below the spam threshold (5): mail not judged spam is put on hold',
    ]);
    // The global discard is told once, not again for every policy that inherits it.
    expect(warned({ thresholds: { discard: 40 }, policies: [{ name: 'p', thresholds: { reject: 30 } }] })).toHaveLength(1);
  });

  it("warns when idle_timeout_seconds is below Postfix's smtpd_timeout, naming it", () => {
    expect(warned({ limits: { idle_timeout_seconds: POSTFIX_SMTPD_TIMEOUT_SECONDS } })).toEqual([]);
    const [w] = warned({ limits: { idle_timeout_seconds: 120 } });
    expect(w).toMatch(/^limits\.idle_timeout_seconds: 120 s is below Postfix's smtpd_timeout \(300 s/);
    expect(w).toContain('milter_default_action');
  });
});
