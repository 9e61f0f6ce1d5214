// Sender authentication behind a REAL Postfix, with Thresher resolving through an
// authoritative DNS server on loopback (dns.servers): a message signed by a domain other than
// its From domain, whose DMARC policy is p=reject, is refused when auth.dmarc.apply_policy is
// on; the domain's own signature passes and is delivered with our Authentication-Results,
// a forged copy claiming our authserv-id removed and another host's kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rsaKey, signed, type Key } from '../checks/auth/support.js';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.js';
import { startPostfix, type Postfix } from './support/postfix.js';
import { headerValues, sendMail } from './support/smtp.js';
import { startThresher, type Thresher } from './support/thresher.js';

let dns: DnsTestServer | undefined;
let t: Thresher | undefined;
let postfix: Postfix | undefined;
let bank: Key;
let phisher: Key;

beforeAll(async () => {
  bank = rsaKey();
  phisher = rsaKey();
  dns = await startDnsServer({
    zone: {
      'sel._domainkey.bank.example': [{ type: 'TXT', data: bank.record }],
      '_dmarc.bank.example': [{ type: 'TXT', data: 'v=DMARC1; p=reject' }],
      'sel._domainkey.phish.example': [{ type: 'TXT', data: phisher.record }],
    },
  });
  t = await startThresher(`dns: { servers: ["${dns.address}"] }\nauth: { enabled: true, authserv_id: mx.thresher.test, dmarc: { apply_policy: true } }\n`);
  postfix = await startPostfix([t.postfixSpec]);
});

afterAll(async () => {
  let code: number | null = null;
  try {
    if (t) code = await t.stop();
  } finally {
    await postfix?.stop();
    await dns?.stop();
  }
  expect(code).toBe(0);
});

function letter(token: string, extra = ''): Buffer {
  return Buffer.from(`From: Your Bank <security@bank.example>\r\nTo: bob@example.test\r\nSubject: Account notice ${token}\r\nDate: Thu, 3 Dec 2026 12:00:00 +0000\r\nMessage-ID: <${token}@bank.example>\r\n${extra}\r\nPlease review your account.\r\n${token}\r\n`);
}

describe('DMARC through Postfix', () => {
  it('refuses a message signed by another domain when From says p=reject', async () => {
    const token = `phish-${Date.now()}`;
    const raw = await signed(letter(token), 'phish.example', 'sel', phisher);
    const sent = await sendMail(postfix!.smtpPorts[0]!, { from: 'x@phish.example', to: ['bob@example.test'] }, raw.toString());
    const ctx = `${sent.transcript.join('\n')}\n--- maillog ---\n${postfix!.log()}\n${t!.output()}`;
    expect(sent.reply.code, ctx).toBe(550);
    expect(sent.reply.text).toContain('5.7.1 Rejected by the DMARC policy of bank.example');
    expect(postfix!.deliveries(token)).toEqual([]);
  });

  it("delivers the domain's own signed message with our Authentication-Results, a forged copy removed", async () => {
    const token = `bank-${Date.now()}`;
    const forged = 'Authentication-Results: mx.thresher.test; dkim=pass header.d=phish.example\r\nAuthentication-Results: gateway.example; spf=pass smtp.mailfrom=bank.example\r\n';
    const raw = await signed(letter(token, forged), 'bank.example', 'sel', bank);
    const sent = await sendMail(postfix!.smtpPorts[0]!, { from: 'bounces@bank.example', to: ['bob@example.test'] }, raw.toString());
    expect(sent.reply.code, `${sent.transcript.join('\n')}\n${t!.output()}`).toBe(250);
    const got = await postfix!.waitForDelivery(token);
    const results = headerValues(got, 'Authentication-Results');
    expect(results.filter((v) => v.startsWith('mx.thresher.test'))).toHaveLength(1);
    const ours = results.find((v) => v.startsWith('mx.thresher.test'))!;
    expect(ours).toMatch(/dkim=pass header\.i=@bank\.example header\.s=sel/);
    expect(ours).toMatch(/dmarc=pass/);
    expect(ours).not.toContain('phish.example');
    expect(results.some((v) => v.startsWith('gateway.example'))).toBe(true);
    expect(headerValues(got, 'X-Spam-Result')[0]).toMatch(/DKIM_VALID_ALIGNED/);
  });
});
