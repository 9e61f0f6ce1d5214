import { Resolver } from 'node:dns/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.js';

// The loopback server every DNS test relies on, checked through a real client (c-ares).

let server: DnsTestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function client(s: DnsTestServer, timeout = 1000): Resolver {
  const r = new Resolver({ timeout, tries: 1 });
  r.setServers([s.address]);
  return r;
}

describe('test DNS server', () => {
  it('answers A, AAAA, TXT in 255-byte pieces, MX, PTR and CNAME from the fixtures', async () => {
    const long = 'v=DKIM1; k=rsa; p=' + 'A'.repeat(400);
    server = await startDnsServer({
      zone: {
        'mail.example.test': [
          { type: 'A', address: '192.0.2.1' },
          { type: 'AAAA', address: '2001:db8::1' },
        ],
        'example.test': [
          { type: 'TXT', data: long },
          { type: 'MX', exchange: 'mail.example.test', priority: 10 },
        ],
        '1.2.0.192.in-addr.arpa': [{ type: 'PTR', domain: 'mail.example.test' }],
        'www.example.test': [{ type: 'CNAME', domain: 'mail.example.test' }],
      },
    });
    const r = client(server);
    expect(await r.resolve4('mail.example.test')).toEqual(['192.0.2.1']);
    expect(await r.resolve6('mail.example.test')).toEqual(['2001:db8::1']);
    const txt = await r.resolveTxt('example.test');
    expect(txt[0]?.map((p) => p.length)).toEqual([255, long.length - 255]);
    expect(txt[0]?.join('')).toBe(long);
    expect(await r.resolveMx('example.test')).toEqual([{ exchange: 'mail.example.test', priority: 10 }]);
    expect(await r.reverse('192.0.2.1')).toEqual(['mail.example.test']);
    expect(await r.resolve4('www.example.test')).toEqual(['192.0.2.1']);
  });

  it('tells NXDOMAIN from NODATA, and forces SERVFAIL', async () => {
    server = await startDnsServer({
      zone: { 'a.test': [{ type: 'A', address: '192.0.2.1' }], 'bad.test': { rcode: 'SERVFAIL' } },
    });
    const r = client(server);
    await expect(r.resolve4('missing.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolveTxt('a.test')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolve4('bad.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
  });

  it('answers wildcards, logs each query with its transport, and retries truncated UDP over TCP', async () => {
    server = await startDnsServer({
      zone: {
        '*.list.test': [{ type: 'A', address: '127.0.0.2' }],
        'big.test': { records: [{ type: 'A', address: '192.0.2.7' }], truncateUdp: true },
      },
    });
    const r = client(server);
    expect(await r.resolve4('2.0.0.127.list.test')).toEqual(['127.0.0.2']);
    expect(await r.resolve4('big.test')).toEqual(['192.0.2.7']);
    expect(server.count({ name: 'big.test', transport: 'udp' })).toBe(1);
    expect(server.count({ name: 'big.test', transport: 'tcp' })).toBe(1);
    expect(server.count({ type: 'A' })).toBe(3);
  });

  it('delays, never answers, and restarts on the same port after a stop', async () => {
    server = await startDnsServer({
      zone: {
        'slow.test': { records: [{ type: 'A', address: '192.0.2.9' }], delayMs: 150 },
        'hole.test': { neverAnswer: true },
      },
    });
    const r = client(server, 300);
    const started = Date.now();
    expect(await r.resolve4('slow.test')).toEqual(['192.0.2.9']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(r.resolve4('hole.test')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(server.count({ name: 'hole.test' })).toBe(1);

    const port = server.port;
    await server.stop();
    await expect(r.resolve4('slow.test')).rejects.toBeDefined();
    await server.restart();
    expect(server.port).toBe(port);
    server.set('slow.test', [{ type: 'A', address: '192.0.2.10' }]);
    expect(await r.resolve4('slow.test')).toEqual(['192.0.2.10']);
  });

  it('listens on ::1 for clients that use an IPv6 server address', async () => {
    server = await startDnsServer({ host: '::1', zone: { 'v6.test': [{ type: 'A', address: '192.0.2.6' }] } });
    expect(server.address).toBe(`[::1]:${server.port}`);
    expect(await client(server).resolve4('v6.test')).toEqual(['192.0.2.6']);
  });
});
