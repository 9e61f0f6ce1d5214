import { describe, expect, it } from 'vitest';
import { addressOfReverseName, MailauthResolver } from '../../../src/checks/auth/mailauth-resolver.js';
import { ZoneResolver } from './zone-resolver.js';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'answered', (err: NodeJS.ErrnoException) => err.code);

describe('the mailauth resolver adapter', () => {
  const zone = new ZoneResolver({
    'example.org': { TXT: ['v=spf1 -all'], A: ['192.0.2.1'], MX: [{ exchange: 'mx.example.org', priority: 10 }] },
    'broken.example': { fail: true },
    '192.0.2.1': { PTR: ['mx.example.org'] },
    '2001:0db8:0000:0000:0000:0000:0000:0001': { PTR: ['v6.example.org'] },
  });

  it("answers in Node's shapes: TXT records as arrays of strings, MX as objects", async () => {
    const r = new MailauthResolver(zone);
    expect(await r.resolve('example.org', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(await r.resolve('example.org', 'MX')).toEqual([{ exchange: 'mx.example.org', priority: 10 }]);
    expect(await r.resolve('1.2.0.192.in-addr.arpa', 'PTR')).toEqual(['mx.example.org']);
  });

  it('says "no record" with ENODATA, and a failure of the lookup as a temporary error, never as no record', async () => {
    const r = new MailauthResolver(zone);
    expect(await codeOf(r.resolve('nothing.example', 'TXT'))).toBe('ENODATA');
    expect(await codeOf(r.resolve('broken.example', 'TXT'))).toBe('ESERVFAIL');
    expect(await codeOf(r.resolve('example.org', 'SRV'))).toBe('ESERVFAIL');
    expect(await codeOf(r.resolve('not-a-reverse-name.example', 'PTR'))).toBe('ENOTFOUND');
  });

  it('asks each name once per message, and fails pending lookups at once when the check runs out of time', async () => {
    const slow = { ...zone, txt: () => new Promise<string[]>(() => undefined) } as unknown as ZoneResolver;
    const controller = new AbortController();
    const r = new MailauthResolver(slow, controller.signal);
    const pending = codeOf(r.resolve('example.org', 'TXT'));
    controller.abort();
    expect(await pending).toBe('ETIMEOUT');
    const counted = new ZoneResolver({ 'example.org': { TXT: ['x'] } });
    const shared = new MailauthResolver(counted);
    shared.prefetch('example.org', 'TXT');
    await shared.resolve('EXAMPLE.org', 'TXT');
    expect(counted.asked).toEqual(['TXT example.org']);
  });

  it('turns reverse names back into the address our resolver asks PTR for', () => {
    expect(addressOfReverseName('10.2.0.192.in-addr.arpa')).toBe('192.0.2.10');
    expect(addressOfReverseName('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.')).toBe('2001:0db8:0000:0000:0000:0000:0000:0001');
    expect(addressOfReverseName('300.2.0.192.in-addr.arpa')).toBeUndefined();
    expect(addressOfReverseName('example.org')).toBeUndefined();
  });
});
