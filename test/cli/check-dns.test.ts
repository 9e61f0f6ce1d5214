import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

// `thresher check --ip --helo --from` runs the DNS checks too, through the servers of the
// config's dns section: here the loopback test DNS server.

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = tempDir('check-dns');
let dns: DnsTestServer;

beforeAll(async () => {
  dns = await startDnsServer({
    zone: {
      '2.0.0.127.bl.test': [{ type: 'A', address: '127.0.0.2' }],
      '7.2.0.192.bl.test': [{ type: 'A', address: '127.0.0.3' }],
      '7.2.0.192.in-addr.arpa': [{ type: 'PTR', domain: 'dsl-192-0-2-7.isp.test' }],
      'dsl-192-0-2-7.isp.test': [{ type: 'A', address: '192.0.2.7' }],
    },
  });
});
afterAll(async () => {
  await dns.stop();
  removeTempDirs();
});

describe('thresher check with DNS checks', () => {
  it('shows the DNS list and reverse-DNS symbols of --ip, with the list and code as detail', async () => {
    const config = join(dir, 'thresher.yaml');
    writeFileSync(config, `dns:\n  servers: ["${dns.address}"]\n  timeout_ms: 500\ndnsbl:\n  reverse_dns: true\n  ip_lists:\n    - { zone: bl.test, symbol: RBL_TEST, score: 2.5, codes: { "127.0.0.3": RBL_TEST_CSS } }\n`);
    const message = join(dir, 'm.eml');
    writeFileSync(message, 'From: a@sender.test\r\nTo: b@example.net\r\nDate: Thu, 1 Jan 2026 12:00:00 +0000\r\nMessage-ID: <1@sender.test>\r\nSubject: hi\r\n\r\nHello.\r\n');
    const { stdout } = await run(process.execPath, [CLI, 'check', '--json', '--data-dir', join(dir, 'data'), '--config', config, '--ip', '192.0.2.7', '--helo', 'dsl-192-0-2-7.isp.test', '--from', 'a@sender.test', message]);
    const symbols = JSON.parse(stdout.trim()).symbols as { name: string; score: number; detail?: string }[];
    expect(symbols).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'RBL_TEST_CSS', score: 2.5, detail: 'bl.test 127.0.0.3' }),
      expect.objectContaining({ name: 'RDNS_DYNAMIC', detail: 'dsl-192-0-2-7.isp.test' }),
    ]));
    expect(dns.count({ name: '7.2.0.192.bl.test' })).toBe(1);
  });
});
