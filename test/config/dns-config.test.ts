import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

describe('dns config', () => {
  it('takes addresses with or without a port, IPv6 in brackets when it has one', () => {
    expect(parseConfig({}).dns.servers).toEqual([]);
    const servers = ['127.0.0.1', '127.0.0.1:5353', '2001:db8::53', '[2001:db8::53]:53'];
    expect(parseConfig({ dns: { servers } }).dns.servers).toEqual(servers);
  });

  it('refuses names and bad ports with the path', () => {
    expect(() => parseConfig({ dns: { servers: ['dns.example'] } })).toThrow(/dns\.servers\.0.*expected an IP address/);
    expect(() => parseConfig({ dns: { servers: ['127.0.0.1:70000'] } })).toThrow(/port must be 1 to 65535/);
  });
});
