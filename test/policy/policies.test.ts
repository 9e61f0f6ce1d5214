import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { PolicyBook } from '../../src/policy/policies.js';

describe('PolicyBook', () => {
  const book = new PolicyBook(
    parseConfig({
      policies: [
        { name: 'lan-out', match: { clients: ['10.0.0.0/8', '2001:db8::/32'], authenticated: false }, thresholds: { spam: 8 } },
        { name: 'vip', match: { recipients: ['ceo@example.net'], senders: ['*@partner.example'] }, spam_lover: true },
        { name: 'finance', match: { recipients: ['@finance.example'] }, thresholds: { reject: 10 } },
      ],
    }),
  );
  const ctx = { recipient: 'x@example.net', sender: 'a@b.example', clientAddress: '192.0.2.1', authenticated: false };

  it('the first policy whose every condition holds applies', () => {
    expect(book.select(ctx).name).toBe('default');
    expect(book.select({ ...ctx, clientAddress: '10.1.2.3' }).name).toBe('lan-out');
    expect(book.select({ ...ctx, clientAddress: '::ffff:10.1.2.3' }).name).toBe('lan-out');
    expect(book.select({ ...ctx, clientAddress: 'IPv6:2001:db8::5' }).name).toBe('lan-out');
    expect(book.select({ ...ctx, clientAddress: '10.1.2.3', authenticated: true }).name).toBe('default');
    expect(book.select({ ...ctx, recipient: 'ceo@example.net' }).name).toBe('default');
    expect(book.select({ ...ctx, recipient: 'ceo@example.net', sender: 'bob@partner.example' }).name).toBe('vip');
    expect(book.select({ ...ctx, recipient: 'ap@finance.example' }).name).toBe('finance');
  });

  it('merges a policy thresholds over the global ones', () => {
    const finance = book.select({ ...ctx, recipient: 'ap@finance.example' });
    expect(finance.policy.spam).toBe(5);
    expect(finance.policy.reject).toBe(10);
  });

  it('policies that judge alike share a key, so their recipients are not split', () => {
    const same = new PolicyBook(parseConfig({ policies: [{ name: 'a', match: { recipients: ['a.example'] } }, { name: 'b', match: { recipients: ['b.example'] } }] }));
    expect(same.select({ ...ctx, recipient: 'x@a.example' }).key).toBe(same.select({ ...ctx, recipient: 'x@b.example' }).key);
    expect(same.select({ ...ctx, recipient: 'x@a.example' }).key).toBe(same.fallback.key);
    expect(book.select({ ...ctx, recipient: 'ap@finance.example' }).key).not.toBe(book.fallback.key);
  });
});

describe('policies config errors', () => {
  it('names the policy path and what is allowed', () => {
    const attempt = (policies: unknown) => {
      try {
        parseConfig({ policies });
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(attempt([{ name: 'x', match: { clients: ['10.0.0.0/33'] } }])).toContain('policies.0.match.clients.0: expected an IP address or CIDR network');
    expect(attempt([{ name: 'x', spam_action: 'drop' }])).toContain('policies.0.spam_action');
    expect(attempt([{ name: 'x' }, { name: 'x' }])).toContain('policies.1.name: duplicate policy name x');
    expect(attempt([{ name: 'x', thresholds: { spma: 3 } }])).toContain('policies.0.thresholds: Unrecognized key: "spma"');
  });
});
