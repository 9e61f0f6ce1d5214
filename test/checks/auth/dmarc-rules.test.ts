import type { DMARCResult } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { dmarcResult, isTrusted, sampledPolicy } from '../../../src/checks/auth/dmarc.js';

const result = (strict: boolean, dkim: string | false): DMARCResult => ({
  domain: 'example.org', policy: 'reject', p: 'reject', sp: 'reject', info: '',
  status: { result: dkim ? 'pass' : 'fail' },
  alignment: { dkim: { result: dkim, strict }, spf: { result: false, strict } },
});

describe('DMARC rules mailauth 4.13 leaves to us', () => {
  it('strict alignment (adkim=s) needs the From domain itself, relaxed its organisational domain', () => {
    const evidence = { fromDomain: 'news.example.org', dkimDomains: ['example.org'], spfDomain: undefined };
    expect(dmarcResult(result(false, 'example.org'), evidence)).toBe('pass');
    expect(dmarcResult(result(true, 'example.org'), evidence)).toBe('fail');
    expect(dmarcResult(result(true, 'news.example.org'), { ...evidence, dkimDomains: ['news.example.org'] })).toBe('pass');
  });

  it('pct= samples the policy; the unsampled get the next milder one', () => {
    expect(sampledPolicy('reject', undefined, () => 0.99)).toBe('reject');
    expect(sampledPolicy('reject', 0, () => 0)).toBe('quarantine');
    expect(sampledPolicy('quarantine', 50, () => 0.6)).toBe('none');
    expect(sampledPolicy('quarantine', 50, () => 0.4)).toBe('quarantine');
  });

  it('trusts a sealer and its subdomains, not look-alikes', () => {
    expect(isTrusted('lists.example.org', ['example.org'])).toBe(true);
    expect(isTrusted('example.org', ['example.org'])).toBe(true);
    expect(isTrusted('badexample.org', ['example.org'])).toBe(false);
  });
});
