import { describe, expect, it } from 'vitest';
import { isDynamicName, relayCheck, relayHits } from '../../src/checks/relay.js';
import { Message, type ClientInfo } from '../../src/message/message.js';

function message(client: Partial<ClientInfo> & { address: string }, helo?: string, authenticated = false): Message {
  const m = new Message({ maxScanBytes: 1024, maxHeaders: 10 });
  m.client = { hostname: '', port: 25, family: client.address.includes(':') ? 'inet6' : 'inet', ...client };
  m.helo = helo;
  m.authenticated = authenticated;
  return m;
}
const symbols = (m: Message) => relayHits(m).map((h) => h.symbol).sort();

describe('isDynamicName', () => {
  it('sees the address spelled out in the name, in order, reversed or run together', () => {
    expect(isDynamicName('ppp-124-120-143-91.revip2.example.net', '124.120.143.91')).toBe(true);
    expect(isDynamicName('91.143.120.124.dsl.example.net', '124.120.143.91')).toBe(true);
    expect(isDynamicName('cs2427121-96.houston.example.com', '24.27.121.96')).toBe(true);
    // An IPv4 client reported mapped by a dual-stack listener is the same client.
    expect(isDynamicName('cs2427121-96.houston.example.com', '::ffff:24.27.121.96')).toBe(true);
  });

  it('sees pool words in the labels before the provider domain', () => {
    expect(isDynamicName('adsl.home.example.net', '192.0.2.1')).toBe(true);
    expect(isDynamicName('host.dyn.example.org', '192.0.2.1')).toBe(true);
    expect(isDynamicName('cpe1.example.com', '192.0.2.1')).toBe(true);
  });

  it('leaves server names alone: other numbers, zero-padded relays, pool words in the domain itself', () => {
    expect(isDynamicName('mx1.example.org', '124.120.143.91')).toBe(false);
    expect(isDynamicName('mail-oln040092067049.outbound.protection.example.com', '40.92.67.49')).toBe(false);
    expect(isDynamicName('mail.dsl.example', '192.0.2.1')).toBe(false);
    expect(isDynamicName('mail.dynamicsoft.example.com', '192.0.2.1')).toBe(false);
    expect(isDynamicName('mx1-2.example34.com', '1.2.3.4')).toBe(false);
  });
});

describe('relay check', () => {
  it('flags a client the MTA reports without a name, in Postfix\'s and Sendmail\'s words', () => {
    expect(symbols(message({ address: '203.0.113.5', hostname: 'unknown' }, 'mail.example.org'))).toEqual(['RDNS_NONE']);
    expect(symbols(message({ address: '203.0.113.5', hostname: '[203.0.113.5]' }, 'mail.example.org'))).toEqual(['RDNS_NONE']);
  });

  it('flags a dynamic name and a bare-word HELO', () => {
    expect(symbols(message({ address: '124.120.143.91', hostname: 'ppp-124-120-143-91.example.net' }, 'WINPC'))).toEqual(['HELO_NOT_FQDN', 'RDNS_DYNAMIC']);
  });

  it('flags a HELO address other than the client, but not the client\'s own address literal', () => {
    expect(symbols(message({ address: '210.100.202.125', hostname: 'mx.example.net' }, '210.99.184.3'))).toEqual(['HELO_IP_MISMATCH']);
    expect(symbols(message({ address: '2001:db8::5', hostname: 'mx.example.net' }, '[IPv6:2001:db8::6]'))).toEqual(['HELO_IP_MISMATCH']);
    expect(symbols(message({ address: '192.0.2.5', hostname: 'mx.example.net' }, '[192.0.2.5]'))).toEqual([]);
    expect(symbols(message({ address: '::ffff:192.0.2.5', hostname: 'mx.example.net' }, '[192.0.2.5]'))).toEqual([]);
    expect(symbols(message({ address: '2001:db8:0:0::5', hostname: 'mx.example.net' }, '[IPv6:2001:db8::5]'))).toEqual([]);
  });

  it('says nothing of a well-named server, or when the name is not known', () => {
    expect(symbols(message({ address: '192.0.2.5', hostname: 'mx.example.net' }, 'mx.example.net'))).toEqual([]);
    expect(symbols(message({ address: '192.0.2.5', hostname: '' }, 'mx.example.net'))).toEqual([]);
  });

  it('does not judge local clients, authenticated users or unknown clients', () => {
    expect(symbols(message({ address: '127.0.0.1', hostname: 'unknown' }, 'localhost'))).toEqual([]);
    expect(symbols(message({ address: '10.1.2.3', hostname: 'unknown' }, 'pc'))).toEqual([]);
    expect(symbols(message({ address: '124.120.143.91', hostname: 'ppp-124-120-143-91.example.net' }, 'laptop', true))).toEqual([]);
    // Every spelling of a local address: mapped, and Sendmail's IPv6: prefix.
    expect(symbols(message({ address: '::ffff:10.1.2.3', hostname: 'unknown' }, 'pc'))).toEqual([]);
    expect(symbols(message({ address: 'IPv6:::1', hostname: 'unknown' }, 'localhost'))).toEqual([]);
    expect(symbols(message({ address: 'IPv6:fd00::25', hostname: 'unknown' }, 'pc'))).toEqual([]);
    const none = new Message({ maxScanBytes: 1024, maxHeaders: 10 });
    expect(relayHits(none)).toEqual([]);
  });

  it('describes every symbol it emits', () => {
    const withDns = relayCheck({ reverse_dns: true, check_timeout_seconds: 5 }).symbols;
    expect(Object.keys(relayCheck({ reverse_dns: false, check_timeout_seconds: 5 }).symbols)).toEqual(Object.keys(withDns));
    expect(Object.keys(withDns)).toEqual(expect.arrayContaining(['RDNS_NONE', 'RDNS_NOT_CONFIRMED', 'HELO_NO_RESOLVE', 'HELO_NOT_CLIENT']));
    for (const [name, def] of Object.entries(withDns)) {
      expect(name).toMatch(/^(RDNS|HELO)_/);
      expect(def.description.length).toBeGreaterThan(10);
    }
  });
});
