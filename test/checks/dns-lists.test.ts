import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { dnsSchema } from '../../src/config/dns.js';
import { parseConfig } from '../../src/config/load.js';
import { createResolver } from '../../src/dns/create.js';
import type { ClientInfo } from '../../src/message/message.js';
import { Transaction } from '../../src/scan/transaction.js';
import { startDnsServer, type DnsTestServer, type Zone, type ZoneRecord } from '../support/dns-server.js';
import { testPipeline, testServices } from '../support/services.js';

// DNS block and allow lists, URI lists and reverse DNS, through the transaction (connect, HELO,
// message) with the resolver pointed at the loopback DNS server.

const log = pino({ level: 'silent' });
let server: DnsTestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

class TestClock {
  t = 5_000_000;
  now(): number {
    return this.t;
  }
}

const A = (address: string): ZoneRecord[] => [{ type: 'A', address }];
/** A list that passes its health probe. */
const healthy = (zone: string): Zone => ({ [`2.0.0.127.${zone}`]: A('127.0.0.2') });
const inet = (address: string, hostname = 'mx.sender.test'): ClientInfo => ({ hostname, address, port: 25, family: address.includes(':') ? 'inet6' : 'inet' });

const BL = { zone: 'bl.test', symbol: 'RBL_TEST', score: 3, codes: { '127.0.0.4': 'RBL_TEST_XBL' }, masks: { '0.0.0.16': 'RBL_TEST_MASK' } };

async function setUp(zone: Zone, dnsbl: object, dns: object = {}) {
  server = await startDnsServer({ zone });
  const clock = new TestClock();
  const resolver = createResolver(dnsSchema.parse({ servers: [server.address], timeout_ms: 200, tries: 1, ...dns }), clock);
  const pipeline = testPipeline(parseConfig({ dnsbl }), { services: testServices({ resolver, clock }) });
  return { s: server, clock, resolver, pipeline };
}

async function scan(p: ReturnType<typeof testPipeline>, client: ClientInfo, o: { helo?: string; body?: string; headers?: [string, string][]; authenticated?: boolean; afterConnect?: () => void } = {}) {
  const tx = new Transaction(() => p, log);
  await tx.connect(client);
  o.afterConnect?.();
  await tx.helo(o.helo ?? 'mail.sender.test');
  await tx.mail({ address: 'a@sender.test', args: [] }, { authenticated: o.authenticated ?? false });
  await tx.rcpt({ address: 'u@example.net', args: [] }, { answerable: true });
  for (const [n, v] of o.headers ?? []) tx.header(n, v);
  for (const [n, v] of [['From', 'a@sender.test'], ['To', 'u@example.net'], ['Date', new Date().toUTCString()], ['Message-ID', '<1@sender.test>'], ['Subject', 'hello']]) tx.header(n!, v!);
  tx.endOfHeaders();
  await tx.body(Buffer.from(o.body ?? 'hello\r\n'));
  const eom = await tx.endOfMessage();
  return { eom, symbols: Object.fromEntries(eom.verdict.result.symbols.map((s) => [s.name, s.detail ?? ''])) };
}

describe('DNS lists', () => {
  it('names a listing by exact code, by bitmask, or with the list\'s own symbol, and asks at connect', async () => {
    const { s, resolver, pipeline } = await setUp(
      { ...healthy('bl.test'), '10.2.0.192.bl.test': A('127.0.0.4'), '11.2.0.192.bl.test': A('127.0.0.18'), '12.2.0.192.bl.test': A('127.0.0.9') },
      { ip_lists: [BL] },
    );
    let atConnect = -1;
    const xbl = await scan(pipeline, inet('192.0.2.10'), { afterConnect: () => (atConnect = resolver.stats.queries) });
    // Sent at connect: the probe's two queries and the client's.
    expect(atConnect).toBe(3);
    expect(s.count({ name: '10.2.0.192.bl.test' })).toBe(1);
    expect(xbl.symbols).toMatchObject({ RBL_TEST_XBL: 'bl.test 127.0.0.4' });
    expect(xbl.symbols.RBL_TEST).toBeUndefined();
    expect(xbl.eom.verdict.result.symbols.find((x) => x.name === 'RBL_TEST_XBL')?.score).toBe(3);
    expect((await scan(pipeline, inet('192.0.2.11'))).symbols).toMatchObject({ RBL_TEST_MASK: 'bl.test 127.0.0.18' });
    expect((await scan(pipeline, inet('192.0.2.12'))).symbols).toMatchObject({ RBL_TEST: 'bl.test 127.0.0.9' });
    const clean = await scan(pipeline, inet('192.0.2.13'));
    expect(Object.keys(clean.symbols).filter((n) => n.startsWith('RBL_') || n === 'DNS_LIST_FAILED')).toEqual([]);
  });

  it('asks about an IPv6 client by its 32 reversed nibbles', async () => {
    const name = `${'1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2'}.bl.test`;
    const { s, pipeline } = await setUp({ ...healthy('bl.test'), [name]: A('127.0.0.2') }, { ip_lists: [BL] });
    expect((await scan(pipeline, inet('2001:db8::1'))).symbols).toMatchObject({ RBL_TEST: 'bl.test 127.0.0.2' });
    expect(s.count({ name })).toBe(1);
  });

  it('scores a DNS allow list negatively by trust level', async () => {
    const wl = { zone: 'wl.test', symbol: 'DNSWL_LISTED', score: -0.1, codes: { '127.0.*.3': { symbol: 'DNSWL_HI', score: -3.5 }, '127.0.*.1': { symbol: 'DNSWL_LOW', score: -0.7 } }, errors: ['127.0.0.255'] };
    const { pipeline } = await setUp({ ...healthy('wl.test'), '20.2.0.192.wl.test': A('127.0.15.3'), '21.2.0.192.wl.test': A('127.0.0.255') }, { ip_lists: [wl] });
    const hi = await scan(pipeline, inet('192.0.2.20'));
    expect(hi.symbols).toMatchObject({ DNSWL_HI: 'wl.test 127.0.15.3' });
    expect(hi.eom.verdict.result.symbols.find((x) => x.name === 'DNSWL_HI')?.score).toBe(-3.5);
    const refused = await scan(pipeline, inet('192.0.2.21'));
    expect(refused.symbols).toMatchObject({ DNS_LIST_FAILED: 'wl.test: error code 127.0.0.255' });
  });

  it('never takes 127.255.255.x or 127.0.0.1 for a listing: a list refusing everything does not block mail', async () => {
    const { s, pipeline } = await setUp({ '*.bl.test': A('127.255.255.254') }, { ip_lists: [{ ...BL, probe: null }] });
    const out = await scan(pipeline, inet('192.0.2.30'));
    expect(out.symbols).toEqual({ DNS_LIST_FAILED: 'bl.test: error code 127.255.255.254' });
    expect(out.eom.verdict.action).toBe('accept');
    expect(s.count({ name: '30.2.0.192.bl.test' })).toBe(1);
  });

  it('does not use a list that fails its health probe (it lists 1.0.0.127, or refuses)', async () => {
    const { s, pipeline } = await setUp({ '*.bl.test': A('127.0.0.2') }, { ip_lists: [BL] });
    const out = await scan(pipeline, inet('192.0.2.31'));
    expect(out.symbols).toEqual({ DNS_LIST_FAILED: 'bl.test: 1.0.0.127 is listed (the list answers for everything)' });
    expect(s.count({ name: '1.0.0.127.bl.test' })).toBe(1);
  });

  it('opens the list\'s circuit after repeated time-outs, then probes it again after the cool-down', async () => {
    const { s, clock, pipeline } = await setUp(
      { ...healthy('bl.test'), '*.bl.test': { neverAnswer: true } },
      { ip_lists: [{ ...BL, probe: null }], breaker: { failures: 2, window_seconds: 60, cooldown_seconds: 30 } },
      { cache: { failure_ttl_seconds: 0 } },
    );
    for (const n of [40, 41]) expect((await scan(pipeline, inet(`192.0.2.${n}`))).symbols).toEqual({ DNS_LIST_FAILED: 'bl.test: ETIMEOUT' });
    const sent = s.queries.length;
    const started = performance.now();
    expect((await scan(pipeline, inet('192.0.2.42'))).symbols).toEqual({ DNS_LIST_FAILED: 'bl.test: circuit open after repeated failures' });
    expect(performance.now() - started).toBeLessThan(150);
    // The connect-time lookup is not sent while the circuit is open either.
    expect(s.queries.length).toBe(sent);
    s.set('*.bl.test', []);
    clock.t += 31_000;
    expect((await scan(pipeline, inet('192.0.2.43'))).symbols).toEqual({});
    expect((await scan(pipeline, inet('192.0.2.44'))).symbols).toEqual({});
  });

  it('answers in time with the failure recorded when the DNS server stops mid-run', async () => {
    const { s, pipeline } = await setUp({ ...healthy('bl.test'), '50.2.0.192.bl.test': A('127.0.0.2') }, { ip_lists: [BL], check_timeout_seconds: 1 }, { timeout_ms: 200, tries: 2 });
    expect((await scan(pipeline, inet('192.0.2.50'))).symbols).toMatchObject({ RBL_TEST: 'bl.test 127.0.0.2' });
    await s.stop();
    const started = performance.now();
    const out = await scan(pipeline, inet('192.0.2.51'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(out.symbols.DNS_LIST_FAILED).toMatch(/^bl\.test: E(TIMEOUT|CONNREFUSED)$/);
    expect(out.eom.verdict.action).toBe('accept');
  });

  it('skips authenticated senders and trusted networks; checks the first untrusted Received hop behind a gateway', async () => {
    const { s, pipeline } = await setUp(
      { ...healthy('bl.test'), '60.2.0.192.bl.test': A('127.0.0.2'), '7.113.51.198.bl.test': A('127.0.0.2') },
      { ip_lists: [BL], trusted_networks: ['127.0.0.0/8', '198.51.100.0/24'], received_hops: 1 },
    );
    expect((await scan(pipeline, inet('192.0.2.60'), { authenticated: true })).symbols).toEqual({});
    const received: [string, string][] = [
      ['Received', 'from gw.example.net (gw.example.net [198.51.100.2]) by mx.example.net'],
      ['Received', 'from sender.test (sender.test [198.51.113.7]) by gw.example.net'],
      ['Received', 'from pc (pc [192.0.2.61]) by sender.test'],
    ];
    const out = await scan(pipeline, inet('198.51.100.2', 'gw.example.net'), { headers: received });
    expect(out.symbols).toEqual({ RBL_TEST: 'bl.test 127.0.0.2 via Received 198.51.113.7' });
    expect(s.count({ name: '2.100.51.198.bl.test' })).toBe(0);
    // One hop only: the one before it is not asked.
    expect(s.count({ name: '61.2.0.192.bl.test' })).toBe(0);
  });

  it('records a list the message\'s DNS budget leaves unasked, and scores the other', async () => {
    const lists = [{ ...BL, probe: null }, { ...BL, zone: 'bl2.test', symbol: 'RBL_TEST2', codes: {}, masks: {}, probe: null }];
    const { pipeline } = await setUp({ '*.bl.test': A('127.0.0.2'), '*.bl2.test': A('127.0.0.2') }, { ip_lists: lists, received_hops: 1 }, { budget: { queries: 1 } });
    // The client is loopback (trusted), so nothing is asked at connect; the hop is asked at end of message.
    const out = await scan(pipeline, inet('127.0.0.1'), { headers: [['Received', 'from relay.test (relay.test [192.0.2.77]) by mx.example.net']] });
    const listed = ['RBL_TEST', 'RBL_TEST2'].filter((n) => out.symbols[n] !== undefined);
    expect(listed).toHaveLength(1);
    expect(out.symbols.DNS_LIST_FAILED).toMatch(/^bl2?\.test: EBUDGET$/);
  });

  it('asks domain lists about the registrable domains of the links, once each, at most max_domains', async () => {
    const uribl = { zone: 'uri.test', symbol: 'URIBL_TEST', score: 4, masks: { '2': 'URIBL_TEST_BLACK', '4': 'URIBL_TEST_GREY' } };
    const { s, pipeline } = await setUp({ 'spam.test.uri.test': A('127.0.0.6') }, { domain_lists: [uribl], max_domains: 2 });
    const body = 'see http://www.spam.test/a and https://x.spam.test/b\r\nthen http://shop.ok.test/ and http://third.test/\r\n';
    const out = await scan(pipeline, inet('192.0.2.70', 'mail.sender.test'), { body });
    expect(out.symbols).toMatchObject({ URIBL_TEST_BLACK: 'uri.test 127.0.0.6 for spam.test', URIBL_TEST_GREY: 'uri.test 127.0.0.6 for spam.test' });
    expect(s.count({ name: 'spam.test.uri.test' })).toBe(1);
    expect(s.count({ name: 'ok.test.uri.test' })).toBe(1);
    expect(s.count({ name: 'third.test.uri.test' })).toBe(0);
  });
});

describe('reverse DNS and HELO', () => {
  const zone: Zone = {
    '80.2.0.192.in-addr.arpa': [{ type: 'PTR', domain: 'ppp-192-0-2-80.pool.isp.test' }],
    'ppp-192-0-2-80.pool.isp.test': A('192.0.2.80'),
    '81.2.0.192.in-addr.arpa': [{ type: 'PTR', domain: 'liar.test' }],
    'liar.test': A('192.0.2.99'),
    'mail.sender.test': A('192.0.2.82'),
    '82.2.0.192.in-addr.arpa': [{ type: 'PTR', domain: 'mail.sender.test' }],
  };

  it('confirms the PTR name forward and judges it, or says there is none or it does not confirm', async () => {
    const { s, pipeline } = await setUp(zone, { reverse_dns: true });
    expect((await scan(pipeline, inet('192.0.2.80', 'unknown'), { helo: 'mail.sender.test' })).symbols).toMatchObject({ RDNS_DYNAMIC: 'ppp-192-0-2-80.pool.isp.test', HELO_NOT_CLIENT: 'mail.sender.test (client 192.0.2.80)' });
    expect((await scan(pipeline, inet('192.0.2.81', 'unknown'), { helo: 'nowhere.sender.test' })).symbols).toMatchObject({ RDNS_NOT_CONFIRMED: 'liar.test', HELO_NO_RESOLVE: 'nowhere.sender.test' });
    expect((await scan(pipeline, inet('192.0.2.83', 'unknown'))).symbols).toMatchObject({ RDNS_NONE: '192.0.2.83 (no PTR)' });
    const good = await scan(pipeline, inet('192.0.2.82', 'unknown'), { helo: 'mail.sender.test' });
    expect(Object.keys(good.symbols).filter((n) => /^(RDNS|HELO)_/.test(n))).toEqual([]);
    // Asked at connect and HELO, read from the cache at end of message: once each.
    expect(s.count({ name: '82.2.0.192.in-addr.arpa' })).toBe(1);
    expect(s.count({ name: 'mail.sender.test', type: 'A' })).toBe(1);
  });

  it('falls back to what the MTA said when DNS fails', async () => {
    const { s, pipeline } = await setUp({ ...zone, '84.2.0.192.in-addr.arpa': { rcode: 'SERVFAIL' } }, { reverse_dns: true });
    expect((await scan(pipeline, inet('192.0.2.84', 'unknown'))).symbols).toMatchObject({ RDNS_NONE: '192.0.2.84' });
    expect((await scan(pipeline, inet('192.0.2.84', 'mx.sender.test'))).symbols.RDNS_NONE).toBeUndefined();
    expect(s.count({ name: '84.2.0.192.in-addr.arpa' })).toBe(1);
  });
});

describe('trusted networks', () => {
  it('never asks about loopback or private clients by default', async () => {
    const { s, pipeline } = await setUp({ ...healthy('bl.test'), '1.0.0.127.bl.test': A('127.0.0.2') }, { ip_lists: [{ ...BL, probe: null }] });
    for (const address of ['127.0.0.1', '10.1.2.3', '::1']) expect((await scan(pipeline, inet(address))).symbols.RBL_TEST).toBeUndefined();
    expect(s.queries.length).toBe(0);
  });
});

describe('DNS checks off', () => {
  it('sends no query when no list is configured and reverse_dns is off', async () => {
    const { s, resolver, pipeline } = await setUp(zone0(), {});
    await scan(pipeline, inet('192.0.2.90'));
    expect(s.queries.length).toBe(0);
    expect(resolver.stats.lookups).toBe(0);
  });
});

function zone0(): Zone {
  return { ...healthy('bl.test') };
}
