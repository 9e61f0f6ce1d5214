import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rsaKey, signed } from '../checks/auth/support.js';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

// `thresher check --ip --helo --from` runs SPF, DKIM and DMARC as the server would, so an
// admin sees what a message would get; DNS from dns.servers (a loopback server here).

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = tempDir('check-auth');
let dns: DnsTestServer;
let config: string;
let eml: string;

beforeAll(async () => {
  const key = rsaKey();
  dns = await startDnsServer({
    zone: {
      'news.example': [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' }],
      'sel._domainkey.news.example': [{ type: 'TXT', data: key.record }],
      '_dmarc.news.example': [{ type: 'TXT', data: 'v=DMARC1; p=reject' }],
    },
  });
  config = join(dir, 'thresher.yaml');
  writeFileSync(config, `dns: { servers: ["${dns.address}"] }\nauth: { enabled: true, authserv_id: mx.check.test }\n`);
  eml = join(dir, 'news.eml');
  const raw = Buffer.from('From: News <news@news.example>\r\nTo: b@example.net\r\nSubject: issue 1\r\nDate: Thu, 3 Dec 2026 12:00:00 +0000\r\nMessage-ID: <1@news.example>\r\n\r\nThis week.\r\n');
  writeFileSync(eml, await signed(raw, 'news.example', 'sel', key));
});

afterAll(async () => {
  await dns?.stop();
  removeTempDirs();
});

describe('thresher check with sender authentication', () => {
  it('shows the SPF, DKIM and DMARC results with their detail, and the Authentication-Results header', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'check', '--json', '--config', config, '--data-dir', join(dir, 'data'), '--ip', '192.0.2.25', '--helo', 'mail.news.example', '--from', 'bounces@news.example', eml]);
    const verdict = JSON.parse(stdout) as { symbols: Array<{ name: string; detail?: string }>; headers: Array<{ name: string; value: string }> };
    const detail = Object.fromEntries(verdict.symbols.map((s) => [s.name, s.detail]));
    expect(detail).toMatchObject({ SPF_PASS: 'news.example', DKIM_VALID: 'news.example s=sel', DKIM_VALID_ALIGNED: 'news.example s=sel', DMARC_PASS: 'news.example p=reject' });
    const ar = verdict.headers.find((h) => h.name === 'Authentication-Results')?.value;
    expect(ar).toMatch(/^mx\.check\.test;/);
    expect(ar).toContain('spf=pass smtp.mailfrom=bounces@news.example');
  });
});
