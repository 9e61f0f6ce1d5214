// A DNS blocklist through a REAL Postfix: Thresher's resolver points at the loopback test DNS
// server, whose zone lists 127.0.0.1 (Postfix's test client connects from there; loopback is
// taken out of trusted_networks for this). The message is delivered with the list's symbol,
// its score in X-Spam-Result and its list and return code in X-Spam-Report, and the lookup was sent once, at connect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.js';
import { startPostfix, type Postfix } from './support/postfix.js';
import { buildMessage, headerValues, sendMail } from './support/smtp.js';
import { errorRecords, startThresher, type Thresher } from './support/thresher.js';

let dns: DnsTestServer | undefined;
let thresher: Thresher | undefined;
let postfix: Postfix | undefined;

beforeAll(async () => {
  dns = await startDnsServer({
    zone: {
      '1.0.0.127.bl.thresher.test': [{ type: 'A', address: '127.0.0.2' }],
      '2.0.0.127.bl.thresher.test': [{ type: 'A', address: '127.0.0.2' }],
    },
  });
  thresher = await startThresher(`
dns:
  servers: ["${dns.address}"]
  timeout_ms: 500
headers:
  report: { add: true }
dnsbl:
  trusted_networks: []
  ip_lists:
    # 1.0.0.127 is the usual "never listed" probe name, and the client here: probe with another.
    - { zone: bl.thresher.test, symbol: RBL_THRESHER_TEST, score: 3.5, probe: { listed: 2.0.0.127, unlisted: 3.0.0.127 } }
`);
  postfix = await startPostfix([thresher.postfixSpec]);
});

afterAll(async () => {
  let code: number | null = 0;
  try {
    if (thresher) code = await thresher.stop();
  } finally {
    await postfix?.stop();
    await dns?.stop();
  }
  expect(code, 'thresher exit code after SIGTERM').toBe(0);
});

describe('DNS blocklist behind Postfix', () => {
  it('gives a message from a listed client address the list\'s symbol, with list and code', async () => {
    const m = buildMessage({ subject: 'dnsbl', body: 'Hello from a listed address.\r\n' });
    const { reply, transcript } = await sendMail(postfix!.smtpPorts[0]!, { from: 'alice@sender.thresher.test', to: ['bob@example.test'] }, m.text);
    expect(reply.code, `${transcript.join('\n')}\n${thresher!.output()}`).toBe(250);
    const got = await postfix!.waitForDelivery(m.token);
    expect(headerValues(got, 'X-Spam-Result')[0] ?? '', got).toMatch(/(^|, )RBL_THRESHER_TEST \(3\.5\)/);
    expect(dns!.count({ name: '1.0.0.127.bl.thresher.test' })).toBe(1);
    expect(headerValues(got, 'X-Spam-Report')[0] ?? '', got).toMatch(/RBL_THRESHER_TEST .*\[bl\.thresher\.test 127\.0\.0\.2\]/);
    expect(errorRecords(thresher!), thresher!.output()).toEqual([]);
  });
});
