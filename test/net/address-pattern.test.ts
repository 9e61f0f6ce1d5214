// The one address-pattern dialect of sender lists, recipient keys and policies: exact
// addresses, domains, wildcards and RE2 regexes, case-insensitive, linear on hostile input.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { AddressSet, addressPatternProblem } from '../../src/net/address-pattern.js';
import { PolicyBook } from '../../src/policy/policies.js';

function senders(...entries: string[]): AddressSet {
  for (const e of entries) expect(addressPatternProblem(e), e).toBeUndefined();
  return new AddressSet(entries);
}

describe('address patterns', () => {
  it('exact addresses and domains, case-insensitively; a domain is not its subdomains', () => {
    const set = senders('Alice@Example.org', 'partner.example', '@other.example');
    expect(set.match('alice@example.ORG')).toBe('Alice@Example.org');
    expect(set.match('bob@example.org')).toBeUndefined();
    expect(set.match('anyone@PARTNER.example')).toBe('partner.example');
    expect(set.match('x@sub.partner.example')).toBeUndefined();
    expect(set.match('x@other.example')).toBe('@other.example');
    expect(set.match('other.example')).toBeUndefined();
  });

  it('wildcards over the whole address', () => {
    const set = senders('*@*.partner.example', 'bounce-*@lists.example', '*spam*');
    expect(set.match('a@mx.partner.example')).toBe('*@*.partner.example');
    expect(set.match('a@partner.example')).toBeUndefined();
    expect(set.match('bounce-123@lists.example')).toBe('bounce-*@lists.example');
    expect(set.match('bounce@lists.example')).toBeUndefined();
    expect(set.match('no-SPAM-here@x.example')).toBe('*spam*');
    expect(senders('*').match('anything@at.all')).toBe('*');
    // pieces must appear in order and not overlap; ? is one character
    expect(senders('a*b*c').match('acb-c')).toBe('a*b*c');
    expect(senders('a*b*c').match('acc')).toBeUndefined();
    expect(senders('ab*ba').match('aba')).toBeUndefined();
    expect(senders('user?@example.org').match('user7@example.org')).toBe('user?@example.org');
    expect(senders('user?@example.org').match('user@example.org')).toBeUndefined();
  });

  it('/regex/ in RE2 syntax, searched anywhere, case-insensitive', () => {
    const set = senders('/^bounce-\\d+@/', '/@(mx|mail)[0-9]+\\.example$/');
    expect(set.match('BOUNCE-42@lists.example')).toBe('/^bounce-\\d+@/');
    expect(set.match('x.bounce-42@lists.example')).toBeUndefined();
    expect(set.match('a@mail7.example')).toBe('/@(mx|mail)[0-9]+\\.example$/');
    expect(set.match('a@mail.example')).toBeUndefined();
  });

  it('refuses regexes RE2 cannot run in linear time, and malformed patterns', () => {
    expect(addressPatternProblem('/(a)\\1/')).toMatch(/not a valid RE2 regex/);
    expect(addressPatternProblem('/(?=a)b/')).toMatch(/not a valid RE2 regex/);
    expect(addressPatternProblem('/a.{0,1000}b/')).toMatch(/regex too large/);
    expect(addressPatternProblem('/unclosed')).toMatch(/\/regex\//);
    expect(addressPatternProblem('a b@x')).toMatch(/not an address pattern/);
    expect(addressPatternProblem('a@b@c')).toMatch(/not an address/);
    expect(addressPatternProblem('alice@')).toMatch(/not an address/);
  });

  it('stays linear on hostile input (wildcards and regexes)', () => {
    const hostile = `${'a'.repeat(50_000)}@x`;
    const started = performance.now();
    expect(senders('*a*a*a*a*a*a*a*a*b').match(hostile)).toBeUndefined();
    expect(senders('/^(a+)+$/').match(hostile)).toBeUndefined();
    expect(senders('/(a|aa)*c/').match(hostile)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('address patterns (as policies used them)', () => {
  it('matches addresses, domains and wildcards case-insensitively', () => {
    const m = (p: string, a: string) => senders(p).has(a);
    expect(m('Alice@Example.org', 'alice@example.ORG')).toBe(true);
    expect(m('alice@example.org', 'bob@example.org')).toBe(false);
    expect(m('example.org', 'bob@EXAMPLE.org')).toBe(true);
    expect(m('@example.org', 'bob@sub.example.org')).toBe(false);
    expect(m('*@*.example.org', 'bob@sub.example.org')).toBe(true);
    expect(m('*@*.example.org', 'bob@example.org')).toBe(false);
    expect(m('info*@*', 'info-sales@x.example')).toBe(true);
    expect(m('a*a*a', 'aa')).toBe(false);
    expect(m('a*a*a', 'aaa')).toBe(true);
  });

  it('a wildcard against a long hostile address stays linear', () => {
    const hostile = `${'a'.repeat(100000)}@x`;
    expect(senders('*a*a*a*a*a*a*b').has(hostile)).toBe(false);
  });
});

describe('one dialect for lists and policies', () => {
  const policyFor = (pattern: string) =>
    new PolicyBook(parseConfig({ policies: [{ name: 'p', match: { senders: [pattern] } }] }));
  const ctx = { recipient: 'x@example.net', clientAddress: undefined, authenticated: false };

  it('policies take ? wildcards and /regex/ as the lists do', () => {
    expect(policyFor('user?@example.org').select({ ...ctx, sender: 'user7@example.org' }).name).toBe('p');
    expect(policyFor('user?@example.org').select({ ...ctx, sender: 'user@example.org' }).name).toBe('default');
    expect(policyFor('/^bounce-[0-9]+@/').select({ ...ctx, sender: 'BOUNCE-42@lists.example' }).name).toBe('p');
    expect(policyFor('/^bounce-[0-9]+@/').select({ ...ctx, sender: 'bounce-x@lists.example' }).name).toBe('default');
  });

  it('policies refuse what the lists refuse, naming the path', () => {
    const attempt = (pattern: string) => {
      try {
        policyFor(pattern);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(attempt('/(a)\\1/')).toContain('policies.0.match.senders.0: /(a)\\1/: not a valid RE2 regex');
    expect(attempt('a@b@c')).toContain('policies.0.match.senders.0: not an address or domain: a@b@c');
    expect(attempt('a b')).toContain('policies.0.match.senders.0: not an address pattern');
  });
});
