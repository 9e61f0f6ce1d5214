// Addresses in every spelling MTAs and headers use, networks with longest-prefix lookup, the
// strict families (an IPv4 client is matched by IPv4 networks only), the refused mapped
// network below /96 (issue 12), and the scope of an address.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { addressScope, CidrSet, dottedQuad, ipEntryProblem, isLocalAddress, networkKey, parseAddress } from '../../src/net/ip.js';

const cidrs = (...entries: string[]) => new CidrSet(entries);

describe('CidrSet', () => {
  it('matches IPv4 networks at their edges, and single addresses', () => {
    const set = cidrs('192.0.2.0/24', '198.51.100.7', '203.0.113.77/25');
    expect(set.match('192.0.2.0')?.entry).toBe('192.0.2.0/24');
    expect(set.match('192.0.2.255')?.entry).toBe('192.0.2.0/24');
    expect(set.match('192.0.1.255')).toBeUndefined();
    expect(set.match('192.0.3.0')).toBeUndefined();
    expect(set.match('198.51.100.7')?.entry).toBe('198.51.100.7');
    expect(set.match('198.51.100.8')).toBeUndefined();
    // host bits in the entry are ignored: 203.0.113.0/25
    expect(set.match('203.0.113.0')?.entry).toBe('203.0.113.77/25');
    expect(set.match('203.0.113.127')?.entry).toBe('203.0.113.77/25');
    expect(set.match('203.0.113.128')).toBeUndefined();
  });

  it('/0 matches every address of its family only', () => {
    expect(cidrs('0.0.0.0/0').match('255.255.255.255')?.bits).toBe(0);
    expect(cidrs('0.0.0.0/0').match('2001:db8::1')).toBeUndefined();
    expect(cidrs('::/0').match('2001:db8::1')?.bits).toBe(0);
    expect(cidrs('::/0').match('192.0.2.1')).toBeUndefined();
  });

  it('matches IPv6 networks in any spelling', () => {
    const set = cidrs('2001:db8::/32', '2001:DB8:0:0:1::/80', '::1');
    expect(set.match('2001:db8::')?.entry).toBe('2001:db8::/32');
    expect(set.match('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')?.entry).toBe('2001:db8::/32');
    expect(set.match('2001:db9::')).toBeUndefined();
    expect(set.match('2001:db7:ffff::1')).toBeUndefined();
    // longest prefix wins, and spellings do not matter
    expect(set.match('2001:0DB8:0000:0000:0001:0000:1234:5678')).toEqual({ entry: '2001:DB8:0:0:1::/80', bits: 80 });
    expect(set.match('0:0:0:0:0:0:0:1')?.entry).toBe('::1');
    expect(set.match('::2')).toBeUndefined();
  });

  it('parses embedded IPv4 tails, Sendmail\'s IPv6: prefix and zone ids', () => {
    expect(cidrs('64:ff9b::/96').match('64:ff9b::192.0.2.1')?.entry).toBe('64:ff9b::/96');
    expect(cidrs('2001:db8::/32').match('IPv6:2001:db8::25')?.entry).toBe('2001:db8::/32');
    expect(cidrs('fe80::/10').match('fe80::1%eth0')?.entry).toBe('fe80::/10');
    expect(parseAddress('')).toBeUndefined();
    expect(parseAddress('/var/run/x.sock')).toBeUndefined();
    expect(parseAddress('192.0.2.256')).toBeUndefined();
  });

  it('treats IPv4-mapped IPv6 as IPv4, for clients and for entries', () => {
    expect(cidrs('192.0.2.0/24').match('::ffff:192.0.2.1')?.entry).toBe('192.0.2.0/24');
    expect(cidrs('192.0.2.0/24').match('::FFFF:c000:201')?.entry).toBe('192.0.2.0/24');
    expect(cidrs('::ffff:192.0.2.0/120').match('192.0.2.200')?.entry).toBe('::ffff:192.0.2.0/120');
    expect(cidrs('::ffff:192.0.2.0/120').match('192.0.3.1')).toBeUndefined();
    expect(cidrs('::ffff:0:0/96').match('10.1.2.3')?.bits).toBe(0);
    expect(cidrs('192.0.2.1').match('::ffff:192.0.2.2')).toBeUndefined();
  });
});

describe('parseAddress', () => {
  it('reads every spelling of one address to one value', () => {
    const v4 = { v: 4, n: 0xc0000201n };
    for (const s of ['192.0.2.1', ' 192.0.2.1 ', '[192.0.2.1]', '::ffff:192.0.2.1', 'IPv6:::ffff:192.0.2.1', '[IPv6:::ffff:c000:201]']) {
      expect(parseAddress(s), s).toEqual(v4);
    }
    const v6 = { v: 6, n: 0x20010db8000000000000000000000001n };
    for (const s of ['2001:db8::1', 'IPv6:2001:db8::1', 'ipv6:2001:DB8::1', '[2001:db8::1]', '[IPv6:2001:db8::1]', '2001:db8:0:0:0:0:0:1%eth0']) {
      expect(parseAddress(s), s).toEqual(v6);
    }
    expect(parseAddress('IPv6:192.0.2.1')).toEqual(v4);
    expect(parseAddress('example.org')).toBeUndefined();
    expect(parseAddress('[]')).toBeUndefined();
    expect(dottedQuad(0xc0000201n)).toBe('192.0.2.1');
  });

  it('an IPv6 network never contains an IPv4 client, whatever its spelling', () => {
    const set = cidrs('::/0', '::/64', '::/80');
    for (const s of ['192.0.2.1', '::ffff:192.0.2.1', 'IPv6:::ffff:192.0.2.1']) expect(set.has(s), s).toBe(false);
    expect(set.match('::1')?.entry).toBe('::/80');
    expect(set.has('2001:db8::1')).toBe(true);
  });
});

describe('IPv4-mapped networks below /96 (issue 12)', () => {
  it('are refused, naming the spellings that say it plainly', () => {
    expect(ipEntryProblem('::ffff:192.0.2.1/95')).toBe(
      '::ffff:192.0.2.1/95: an IPv4-mapped network needs a prefix of 96 to 128; an IPv6 one is written without the IPv4 tail',
    );
    expect(ipEntryProblem('::ffff:10.0.0.0/8')).toContain('the IPv4 network is written 10.0.0.0/8');
    expect(ipEntryProblem('::ffff:0:0/0')).toContain('the IPv4 network is written 0.0.0.0/0');
    expect(() => cidrs('::ffff:192.0.2.1/95')).toThrow(/needs a prefix of 96 to 128/);
  });

  it('from /96 up they are IPv4 networks; the neighbouring IPv6 space is plain IPv6', () => {
    expect(ipEntryProblem('::ffff:192.0.2.1/96')).toBeUndefined();
    expect(cidrs('::ffff:192.0.2.1/96').match('198.51.100.1')?.bits).toBe(0);
    expect(cidrs('::ffff:192.0.2.1/128').match('192.0.2.1')?.bits).toBe(32);
    // ::fffe:0:0/95, the IPv6 reading of the refused entry, written plainly: no IPv4 client in it.
    const plain = cidrs('::fffe:0:0/95');
    expect(plain.has('::fffe:1:2')).toBe(true);
    expect(plain.has('192.0.2.1')).toBe(false);
  });

  it('in lists and policies alike, the config error names the path', () => {
    const attempt = (raw: unknown) => {
      try {
        parseConfig(raw);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(attempt({ lists: { ip_block: ['::ffff:10.0.0.0/8'] } })).toContain('lists.ip_block.0: ::ffff:10.0.0.0/8: an IPv4-mapped network needs a prefix of 96 to 128');
    expect(attempt({ policies: [{ name: 'x', match: { clients: ['::ffff:10.0.0.0/8'] } }] })).toContain('policies.0.match.clients.0: expected an IP address or CIDR network');
    expect(attempt({ policies: [{ name: 'x', match: { clients: ['::ffff:10.0.0.0/8'] } }] })).toContain('the IPv4 network is written 10.0.0.0/8');
  });
});

describe('ipEntryProblem', () => {
  it('takes addresses and networks written plainly, and nothing else', () => {
    for (const ok of ['192.0.2.1', '192.0.2.0/24', '0.0.0.0/0', '2001:db8::/32', '::1', '::/0', '::ffff:192.0.2.0/120']) expect(ipEntryProblem(ok), ok).toBeUndefined();
    for (const bad of ['192.0.2.0/33', '2001:db8::/129', '192.0.2.1/24/1', '10.0.0.0/-1', '10.0.0.0/', 'fe80::1%eth0', 'IPv6:2001:db8::1', '[192.0.2.1]', 'example.org', '']) {
      expect(ipEntryProblem(bad), bad).toMatch(/^not an IP or CIDR: /);
    }
  });
});

describe('addressScope', () => {
  it('classifies loopback, private, link-local and unspecified addresses in any spelling', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['IPv6:::1', 'loopback'],
      ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
      ['fd12:3456::1', 'private'], ['fc00::1', 'private'], ['[IPv6:fd00::1]', 'private'],
      ['169.254.1.1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['febf::1', 'link-local'],
      ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
      ['172.32.0.1', 'public'], ['172.15.255.255', 'public'], ['192.0.2.1', 'public'], ['2001:db8::1', 'public'], ['fec0::1', 'public'],
      ['not an address', 'public'],
    ];
    for (const [address, scope] of cases) expect(addressScope(address), address).toBe(scope);
    expect(isLocalAddress('::ffff:10.0.0.1')).toBe(true);
    expect(isLocalAddress('198.51.100.1')).toBe(false);
  });
});

describe('networkKey', () => {
  it('keys an address by its network in one spelling, whatever spelling the MTA used', () => {
    expect(networkKey('192.0.2.77', 24, 64)).toBe('192.0.2.0/24');
    expect(networkKey('::ffff:192.0.2.77', 24, 64)).toBe('192.0.2.0/24');
    expect(networkKey('[192.0.2.77]', 32, 128)).toBe('192.0.2.77/32');
    expect(networkKey('IPv6:2001:db8:1:2:3:4:5:6', 24, 64)).toBe('2001:db8:1:2::/64');
    expect(networkKey('2001:DB8:1:2::9', 24, 64)).toBe(networkKey('2001:db8:1:2:ffff::1', 24, 64));
    expect(networkKey('2001:db8:1:3::9', 24, 64)).not.toBe(networkKey('2001:db8:1:2::9', 24, 64));
    expect(networkKey('/var/run/socket', 24, 64)).toBeUndefined();
  });
});
