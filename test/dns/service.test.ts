import { afterEach, describe, expect, it } from 'vitest';
import { dnsSchema } from '../../src/config/dns.js';
import { createResolver } from '../../src/dns/create.js';
import { messageResolver } from '../../src/dns/per-message.js';
import { startDnsServer, type DnsTestServer, type Zone } from '../support/dns-server.js';

// The resolver service against the loopback DNS server: cache and TTLs on an injected clock,
// negative caching, shared lookups in flight, budgets, failures and time limits, TCP fallback.

let server: DnsTestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

class TestClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

async function setUp(zone: Zone, dns: Record<string, unknown> = {}, soaMinimum?: number) {
  server = await startDnsServer({ zone, ...(soaMinimum !== undefined ? { soa: { name: 'list.test', minimum: soaMinimum } } : {}) });
  const clock = new TestClock();
  const config = dnsSchema.parse({ servers: [server.address], timeout_ms: 300, tries: 1, ...dns });
  return { s: server, clock, resolver: createResolver(config, clock) };
}

describe('DNS resolver service', () => {
  it('keeps an A answer for its TTL on the clock, then asks again', async () => {
    const { s, clock, resolver } = await setUp({ 'a.test': [{ type: 'A', address: '192.0.2.1', ttl: 60 }] });
    expect(await resolver.a('a.test')).toEqual(['192.0.2.1']);
    s.set('a.test', [{ type: 'A', address: '192.0.2.2', ttl: 60 }]);
    clock.t += 59_000;
    expect(await resolver.a('A.test.')).toEqual(['192.0.2.1']);
    expect(s.count({ name: 'a.test' })).toBe(1);
    clock.t += 2_000;
    expect(await resolver.a('a.test')).toEqual(['192.0.2.2']);
    expect(s.count({ name: 'a.test' })).toBe(2);
    expect(resolver.stats).toMatchObject({ lookups: 3, cacheHits: 1, queries: 2 });
  });

  it('keeps TXT, MX and PTR for the configured default TTL (c-ares reports none), capped by max_ttl', async () => {
    const { s, clock, resolver } = await setUp(
      { 't.test': [{ type: 'TXT', data: 'v=spf1 -all', ttl: 5 }], '1.2.0.192.in-addr.arpa': [{ type: 'PTR', domain: 'h.test' }] },
      { cache: { default_ttl_seconds: 100, max_ttl_seconds: 50 } },
    );
    expect(await resolver.txt('t.test')).toEqual(['v=spf1 -all']);
    expect(await resolver.ptr('192.0.2.1')).toEqual(['h.test']);
    clock.t += 49_000;
    await resolver.txt('t.test');
    await resolver.ptr('192.0.2.1');
    expect(s.queries.length).toBe(2);
    clock.t += 2_000;
    await resolver.txt('t.test');
    expect(s.count({ name: 't.test' })).toBe(2);
  });

  it('keeps negative answers for negative_ttl, or for the zone\'s SOA minimum once learned (capped)', async () => {
    const { s, clock, resolver } = await setUp({ 'list.test': [{ type: 'A', address: '192.0.2.1' }] }, { cache: { negative_ttl_seconds: 10, max_negative_ttl_seconds: 120 } }, 600);
    expect(await resolver.a('1.0.0.127.list.test')).toEqual([]);
    clock.t += 9_000;
    expect(await resolver.a('1.0.0.127.list.test')).toEqual([]);
    expect(s.count({ name: '1.0.0.127.list.test' })).toBe(1);
    clock.t += 2_000;
    await resolver.a('1.0.0.127.list.test');
    expect(s.count({ name: '1.0.0.127.list.test' })).toBe(2);

    expect(await resolver.learnNegativeTtl('list.test')).toBe(120);
    expect(await resolver.aaaa('2.0.0.127.list.test')).toEqual([]);
    clock.t += 119_000;
    await resolver.aaaa('2.0.0.127.list.test');
    expect(s.count({ name: '2.0.0.127.list.test' })).toBe(1);
    clock.t += 2_000;
    await resolver.aaaa('2.0.0.127.list.test');
    expect(s.count({ name: '2.0.0.127.list.test' })).toBe(2);
  });

  it('shares one query among lookups of the same name in flight', async () => {
    const { s, resolver } = await setUp({ 'slow.test': { records: [{ type: 'A', address: '192.0.2.5' }], delayMs: 100 } }, { cache: { size: 0 } });
    const answers = await Promise.all([resolver.a('slow.test'), resolver.a('slow.test'), resolver.forMessage().a('slow.test')]);
    expect(answers).toEqual([['192.0.2.5'], ['192.0.2.5'], ['192.0.2.5']]);
    expect(s.count({ name: 'slow.test' })).toBe(1);
    expect(resolver.stats.joined).toBe(2);
    // No cache: the next lookup asks again.
    await resolver.a('slow.test');
    expect(s.count({ name: 'slow.test' })).toBe(2);
  });

  it('refuses a message\'s queries past its budget; cached answers stay free', async () => {
    const zone: Zone = { '*.b.test': [{ type: 'A', address: '192.0.2.8' }] };
    const { s, clock, resolver } = await setUp(zone, { budget: { queries: 3, seconds: 5 } });
    const message = {};
    const view = messageResolver(resolver, message);
    expect(messageResolver(resolver, message)).toBe(view);
    for (const n of ['1', '2', '3']) await view.a(`${n}.b.test`);
    await expect(view.a('4.b.test')).rejects.toMatchObject({ code: 'EBUDGET' });
    expect(await view.a('1.b.test')).toEqual(['192.0.2.8']);
    expect(s.queries.length).toBe(3);
    // Another message has its own budget, which also runs out in time.
    const other = messageResolver(resolver, {});
    expect(await other.a('4.b.test')).toEqual(['192.0.2.8']);
    clock.t += 6_000;
    await expect(other.a('5.b.test')).rejects.toMatchObject({ code: 'EBUDGET' });
    expect(resolver.stats.overBudget).toBe(2);
  });

  it('fails SERVFAIL at once and remembers the failure briefly', async () => {
    const { s, clock, resolver } = await setUp({ 'bad.test': { rcode: 'SERVFAIL' } }, { cache: { failure_ttl_seconds: 5 } });
    await expect(resolver.a('bad.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    await expect(resolver.a('bad.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    expect(s.count({ name: 'bad.test' })).toBe(1);
    clock.t += 6_000;
    await expect(resolver.a('bad.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    expect(s.count({ name: 'bad.test' })).toBe(2);
  });

  it('gives up on a server that answers too late or never, within tries × timeout', async () => {
    const { resolver } = await setUp(
      { 'late.test': { records: [{ type: 'A', address: '192.0.2.1' }], delayMs: 1000 }, 'never.test': { neverAnswer: true } },
      { timeout_ms: 150, tries: 2 },
    );
    for (const name of ['late.test', 'never.test']) {
      const started = performance.now();
      await expect(resolver.a(name)).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(performance.now() - started).toBeLessThan(600);
    }
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const big = Array.from({ length: 12 }, (_, i) => ({ type: 'TXT' as const, data: `record ${i} ${'x'.repeat(80)}` }));
    const { s, resolver } = await setUp({ 'big.test': big, 'tc.test': { records: [{ type: 'A', address: '192.0.2.3' }], truncateUdp: true } }, { timeout_ms: 1500 });
    expect((await resolver.txt('big.test')).length).toBe(12);
    expect(await resolver.a('tc.test')).toEqual(['192.0.2.3']);
    expect(s.count({ transport: 'tcp' })).toBe(2);
  });

  it('answers failures within the time limit when the server stops mid-run, and recovers after it restarts', async () => {
    const { s, clock, resolver } = await setUp({ 'up.test': [{ type: 'A', address: '192.0.2.1', ttl: 1 }], 'x.test': [{ type: 'A', address: '192.0.2.2' }] }, { timeout_ms: 200, tries: 2 });
    expect(await resolver.a('up.test')).toEqual(['192.0.2.1']);
    await s.stop();
    const started = performance.now();
    await expect(resolver.a('x.test')).rejects.toMatchObject({ code: expect.stringMatching(/^E(TIMEOUT|CONNREFUSED)$/) });
    expect(performance.now() - started).toBeLessThan(800);
    expect(resolver.stats.failures).toBe(1);
    await s.restart();
    clock.t += 10_000;
    expect(await resolver.a('x.test')).toEqual(['192.0.2.2']);
  });

  it('talks to a server on an IPv6 address', async () => {
    const ptr = '6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
    server = await startDnsServer({ host: '::1', zone: { 'v6.test': [{ type: 'AAAA', address: '2001:db8::6' }], [ptr]: [{ type: 'PTR', domain: 'v6.test' }] } });
    const resolver = createResolver(dnsSchema.parse({ servers: [server.address] }), new TestClock());
    expect(await resolver.aaaa('v6.test')).toEqual(['2001:db8::6']);
    expect(await resolver.ptr('2001:db8::6')).toEqual(['v6.test']);
    expect(await resolver.ptr('[IPv6:2001:DB8:0::6]')).toEqual(['v6.test']);
    expect(server.count({ name: ptr })).toBe(1);
  });
});
