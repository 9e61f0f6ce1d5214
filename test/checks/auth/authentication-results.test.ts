import { describe, expect, it } from 'vitest';
import { authenticationResults, authservIdOf, claimsAuthservId, propValue } from '../../../src/checks/auth/authentication-results.js';

describe('Authentication-Results', () => {
  it('reads the authserv-id past comments, quotes and a version', () => {
    expect(authservIdOf('mx.example.com; spf=pass')).toBe('mx.example.com');
    expect(authservIdOf(' (forged?) MX.Example.COM 1; dkim=pass')).toBe('mx.example.com');
    expect(authservIdOf('"mx.example.com"; none')).toBe('mx.example.com');
    expect(authservIdOf('(a (nested) comment) mx.example.com;')).toBe('mx.example.com');
  });

  it('claims only copies with our authserv-id, not those of hosts whose name merely starts like ours', () => {
    expect(claimsAuthservId('mx.example.com; spf=pass', 'mx.example.com')).toBe(true);
    expect(claimsAuthservId('mx.example.com.evil; spf=pass', 'mx.example.com')).toBe(false);
    expect(claimsAuthservId('gateway.example.com; spf=pass smtp.mailfrom=mx.example.com', 'mx.example.com')).toBe(false);
  });

  it('writes one result per folded line, "none" when there is none, and quotes values that need it', () => {
    expect(authenticationResults('mx.test', ['spf=pass smtp.mailfrom=a@b.example', 'dkim=none'])).toBe('mx.test;\n\tspf=pass smtp.mailfrom=a@b.example;\n\tdkim=none');
    expect(authenticationResults('mx.test', [])).toBe('mx.test;\n\tnone');
    expect(propValue('a b;c')).toBe('"a b;c"');
    expect(propValue('user@example.org')).toBe('user@example.org');
  });
});
