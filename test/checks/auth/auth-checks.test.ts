import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsSchema } from '../../../src/config/dns.js';
import { createResolver } from '../../../src/dns/create.js';
import type { Resolver } from '../../../src/dns/resolver.js';

/** The real resolver service (cache and all) asking the test's server. */
function resolverFor(o: { servers: string[]; timeoutMs: number; tries: number }): Resolver {
  return createResolver(dnsSchema.parse({ servers: o.servers, timeout_ms: o.timeoutMs, tries: o.tries }), { now: () => Date.now() });
}
import { startDnsServer, type DnsTestServer, type Zone, type ZoneRecord } from '../../support/dns-server.js';
import { authResultsOf, message, rsaKey, scan, sealed, signed, symbolsOf, type Key } from './support.js';

// SPF, DKIM, ARC and DMARC as Thresher applies them: mailauth's verdicts through our resolver
// and the transaction, on messages the test signs and seals with keys it generates, with DNS
// answered by an authoritative server on loopback.

let sender: Key;
let other: Key;
let forwarder: Key;
let zone: Zone;
let server: DnsTestServer;
let dns: Resolver;

const txt = (data: string): ZoneRecord => ({ type: 'TXT', data });

beforeAll(async () => {
  sender = rsaKey();
  other = rsaKey();
  forwarder = rsaKey();
  zone = {
    // The sender's domain: DKIM key, SPF through an include chain, DMARC p=reject (relaxed).
    'sel._domainkey.sender.example': [txt(sender.record)],
    'sender.example': [txt('v=spf1 include:_spf.sender.example -all')],
    '_spf.sender.example': [txt('v=spf1 include:_spf2.sender.example ~all')],
    '_spf2.sender.example': [txt('v=spf1 ip4:192.0.2.0/24 -all')],
    '_dmarc.sender.example': [txt('v=DMARC1; p=reject')],
    // Strict alignment: only the From domain itself counts.
    '_dmarc.strict.example': [txt('v=DMARC1; p=quarantine; adkim=s; aspf=s')],
    'sel._domainkey.strict.example': [txt(sender.record)],
    // Someone else who signs with their own domain.
    'sel._domainkey.other.example': [txt(other.record)],
    // A forwarder that seals (ARC).
    'arc._domainkey.lists.example': [txt(forwarder.record)],
    // SPF records that break the limits: 11 lookups, 3 void lookups.
    'many.example': [txt(`v=spf1 ${Array.from({ length: 11 }, (_, i) => `a:h${i}.many.example`).join(' ')} -all`)],
    'void.example': [txt('v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example -all')],
    'softfail.example': [txt('v=spf1 ~all')],
    // DNS failures.
    'down.example': { rcode: 'SERVFAIL' },
    '_dmarc.down.example': { rcode: 'SERVFAIL' },
    'sel._domainkey.down.example': { rcode: 'SERVFAIL' },
    // Answers after the resolver gave up.
    'slow.example': { records: [txt('v=spf1 -all')], delayMs: 1500 },
    'mail.helo.example': [txt('v=spf1 ip4:192.0.2.25 -all')],
  };
  for (let i = 0; i < 11; i++) zone[`h${i}.many.example`] = [{ type: 'A', address: '198.51.100.1' }];
  server = await startDnsServer({ zone });
  dns = resolverFor({ servers: [server.address], timeoutMs: 300, tries: 1 });
});

afterAll(() => server?.stop());

describe('defaults', () => {
  it('is off until enabled, so a default configuration asks no DNS', async () => {
    const { testPipeline } = await import('../../support/services.js');
    const { parseConfig } = await import('../../../src/config/load.js');
    expect(testPipeline(parseConfig({})).engine.checks.filter((c) => c.name === 'spf' || c.name === 'auth')).toEqual([]);
    expect(testPipeline(parseConfig({ auth: { enabled: true } })).engine.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['spf', 'auth']));
  });
});

describe('SPF at MAIL', () => {
  it('follows include chains: one symbol per result, with the domain', async () => {
    const pass = symbolsOf(await scan(message({ from: 'a@sender.example' }), dns, {}, { ip: '192.0.2.25', sender: 'a@sender.example' }));
    expect(pass.SPF_PASS).toBe('sender.example');
    const fail = symbolsOf(await scan(message({ from: 'a@sender.example' }), dns, {}, { ip: '203.0.113.9', sender: 'a@sender.example' }));
    // The include's own ~all is no match for the including record, whose -all then applies.
    expect(fail.SPF_FAIL).toBe('sender.example');
    expect(symbolsOf(await scan(message({ from: 'a@softfail.example' }), dns, {}, { ip: '203.0.113.9', sender: 'a@softfail.example' }))).toHaveProperty('SPF_SOFTFAIL');
    expect(symbolsOf(await scan(message({ from: 'a@nothing.example' }), dns, {}, { ip: '203.0.113.9', sender: 'a@nothing.example' }))).toHaveProperty('SPF_NONE');
  });

  it('more than 10 lookups, or more than 2 void lookups, is a permanent error', async () => {
    expect(symbolsOf(await scan(message({ from: 'a@many.example' }), dns, {}, { ip: '203.0.113.9', sender: 'a@many.example' }))).toHaveProperty('SPF_PERMERROR');
    expect(symbolsOf(await scan(message({ from: 'a@void.example' }), dns, {}, { ip: '203.0.113.9', sender: 'a@void.example' }))).toHaveProperty('SPF_PERMERROR');
  });

  it('checks the HELO name for the null sender, and a DNS failure is a temporary error', async () => {
    expect(symbolsOf(await scan(message({ from: 'a@x.example' }), dns, {}, { ip: '192.0.2.25', helo: 'mail.helo.example', sender: '' })).SPF_PASS).toBe('mail.helo.example (HELO)');
    expect(symbolsOf(await scan(message({ from: 'a@down.example' }), dns, {}, { ip: '192.0.2.25', sender: 'a@down.example' }))).toHaveProperty('SPF_TEMPERROR');
    expect(symbolsOf(await scan(message({ from: 'a@slow.example' }), dns, {}, { ip: '192.0.2.25', sender: 'a@slow.example' }))).toHaveProperty('SPF_TEMPERROR');
  });

  it('asks the include chain through the server, each name once', async () => {
    server.clearLog();
    const fresh = resolverFor({ servers: [server.address], timeoutMs: 300, tries: 1 });
    await scan(message({ from: 'a@sender.example' }), fresh, { auth: { dkim: { enabled: false }, dmarc: { enabled: false }, arc: { enabled: false } } }, { ip: '192.0.2.25', sender: 'a@sender.example' });
    expect(server.queries.map((q) => `${q.type} ${q.name}`)).toEqual(['TXT sender.example', 'TXT _spf.sender.example', 'TXT _spf2.sender.example']);
  });

  it("counts for nothing when the recipients' policy bypasses spam checks (it ran before they were known)", async () => {
    const config = { policies: [{ name: 'bypass', match: { recipients: ['user@example.net'] }, bypass_spam_checks: true }] };
    const o = await scan(message({ from: 'a@sender.example' }), dns, config, { ip: '203.0.113.9', sender: 'a@sender.example' });
    expect(o.transactions[0]!.message.spf).toEqual({ result: 'fail', domain: 'sender.example' });
    expect(Object.keys(symbolsOf(o))).toEqual([]);
  });

  it('judges neither authenticated senders nor clients on local addresses', async () => {
    const authed = symbolsOf(await scan(message({ from: 'a@sender.example' }), dns, {}, { ip: '203.0.113.9', sender: 'a@sender.example', authenticated: true }));
    const local = symbolsOf(await scan(message({ from: 'a@sender.example' }), dns, {}, { ip: '10.1.2.3', sender: 'a@sender.example' }));
    for (const s of [authed, local]) expect(Object.keys(s).filter((n) => n.startsWith('SPF_'))).toEqual([]);
  });
});

describe('DKIM through the body tee', () => {
  const big = 'x'.repeat(70) + '\r\n';
  const body = big.repeat(3000); // 216 KB, far beyond the 4 KB scan limit below

  it('verifies a signature over a body longer than max_scan_bytes, and sees a change beyond it', async () => {
    const raw = await signed(message({ from: 'News <news@sender.example>', body }), 'sender.example', 'sel', sender);
    const limits = { limits: { max_scan_bytes: 4096 } };
    const good = await scan(raw, dns, limits);
    expect(symbolsOf(good)).toMatchObject({ DKIM_VALID: 'sender.example s=sel', DKIM_VALID_ALIGNED: 'sender.example s=sel', DMARC_PASS: 'sender.example p=reject' });
    expect(authResultsOf(good)).toMatch(/^mx\.thresher\.test;\n\tdkim=pass header\.i=@sender\.example header\.s=sel/);
    // One byte changed 200 KB into the body, where the content checks never look.
    const at = raw.length - 2000;
    const tampered = Buffer.concat([raw.subarray(0, at), Buffer.from('y'), raw.subarray(at + 1)]);
    const bad = symbolsOf(await scan(tampered, dns, limits));
    expect(bad.DKIM_INVALID).toMatch(/^sender\.example s=sel \(body hash did not verify\)/);
    expect(bad).not.toHaveProperty('DKIM_VALID');
  });

  it('an unsigned message is DKIM_NONE, and its Authentication-Results say so', async () => {
    const o = await scan(message({ from: 'a@nothing.example' }), dns);
    expect(symbolsOf(o)).toMatchObject({ DKIM_NONE: undefined, ARC_NONE: undefined, DMARC_NONE: 'nothing.example' });
    expect(authResultsOf(o)).toContain('dkim=none');
  });

  it('a signature whose key is not published is not judged (DKIM_PERMERROR), unlike a bad one', async () => {
    const raw = await signed(message({ from: 'a@sender.example' }), 'sender.example', 'gone', sender);
    const o = symbolsOf(await scan(raw, dns));
    expect(o.DKIM_PERMERROR).toBe('sender.example s=gone (no key)');
    expect(o).not.toHaveProperty('DKIM_INVALID');
    const forged = await signed(message({ from: 'a@sender.example' }), 'sender.example', 'sel', other);
    expect(symbolsOf(await scan(forged, dns)).DKIM_INVALID).toBe('sender.example s=sel (bad signature)');
  });

  it("a signing key's DNS failure is a temporary error, not a failure", async () => {
    const raw = await signed(message({ from: 'a@down.example' }), 'down.example', 'sel', sender);
    expect(symbolsOf(await scan(raw, dns))).toMatchObject({ DKIM_TEMPERROR: 'down.example s=sel', DMARC_TEMPERROR: 'down.example' });
  });
});

describe('DMARC', () => {
  const unaligned = () => signed(message({ from: 'ceo@sender.example' }), 'other.example', 'sel', other);

  it('p=reject with no aligned identifier is scored; with apply_policy it refuses the message with the reply naming the domain', async () => {
    const scored = await scan(await unaligned(), dns);
    expect(symbolsOf(scored)).toMatchObject({ DKIM_VALID: 'other.example s=sel', DMARC_FAIL_REJECT: 'sender.example p=reject' });
    expect(symbolsOf(scored)).not.toHaveProperty('DKIM_VALID_ALIGNED');
    expect(scored.transactions[0]!.verdict.action).toBe('accept');
    const applied = await scan(await unaligned(), dns, { auth: { dmarc: { apply_policy: true } } });
    expect(applied.transactions[0]!.verdict.action).toBe('reject');
    expect(applied.transactions[0]!.verdict.reply).toEqual({ code: 550, xcode: '5.7.1', text: 'Rejected by the DMARC policy of sender.example' });
  });

  it('the policy is waived for spam lovers and never applied to authenticated senders', async () => {
    const config = { auth: { dmarc: { apply_policy: true } }, policies: [{ name: 'lovers', match: { recipients: ['user@example.net'] }, spam_lover: true }] };
    const lover = (await scan(await unaligned(), dns, config)).transactions[0]!;
    expect(lover.verdict.action).toBe('accept');
    expect(lover.verdict.result.symbols.find((s) => s.name === 'DMARC_FAIL_REJECT')?.outcome?.action).toBe('reject');
    const authed = await scan(await unaligned(), dns, { auth: { dmarc: { apply_policy: true } } }, { authenticated: true });
    expect(authed.transactions[0]!.verdict.action).toBe('accept');
  });

  it('an SPF pass of the From domain passes DMARC without DKIM', async () => {
    const o = symbolsOf(await scan(message({ from: 'a@sender.example' }), dns, {}, { ip: '192.0.2.25', sender: 'bounces@sender.example' }));
    expect(o).toMatchObject({ SPF_PASS: 'sender.example', DKIM_NONE: undefined, DMARC_PASS: 'sender.example p=reject' });
  });

  it('relaxed alignment accepts the organisational domain; strict (adkim=s) only the From domain itself', async () => {
    const relaxed = await signed(message({ from: 'a@news.sender.example' }), 'sender.example', 'sel', sender);
    expect(symbolsOf(await scan(relaxed, dns))).toMatchObject({ DMARC_PASS: 'news.sender.example p=reject' });
    const strict = await signed(message({ from: 'a@news.strict.example' }), 'strict.example', 'sel', sender);
    const o = await scan(strict, dns);
    expect(symbolsOf(o)).toMatchObject({ DKIM_VALID_ALIGNED: 'strict.example s=sel', DMARC_FAIL_QUARANTINE: 'news.strict.example p=quarantine' });
    expect(authResultsOf(o)).toMatch(/dmarc=fail/);
  });
});

describe('ARC', () => {
  /** A mailing list: the author's message passed DMARC there; the list changed the subject and sealed it. */
  async function forwarded(): Promise<Buffer> {
    const original = await signed(message({ from: 'ceo@sender.example', subject: 'hello' }), 'sender.example', 'sel', sender);
    const changed = Buffer.from(original.toString().replace('Subject: hello', 'Subject: [list] hello'));
    return sealed(changed, 'lists.example', 'arc', forwarder, 'lists.example; dkim=pass header.d=sender.example; spf=pass smtp.mailfrom=sender.example; dmarc=pass header.from=sender.example');
  }

  it('a trusted forwarder\'s valid seal rescues DMARC; an untrusted one only verifies', async () => {
    const apply = { dmarc: { apply_policy: true } };
    const trusted = await scan(await forwarded(), dns, { auth: { ...apply, arc: { trusted_sealers: ['lists.example'] } } });
    expect(symbolsOf(trusted)).toMatchObject({ DKIM_INVALID: expect.stringMatching(/^sender\.example s=sel/), ARC_PASS: 'i=1 lists.example', DMARC_ARC_OVERRIDE: 'sender.example p=reject sealed by lists.example' });
    expect(trusted.transactions[0]!.verdict.action).not.toBe('reject');
    expect(authResultsOf(trusted)).toMatch(/arc=pass/);
    const untrusted = await scan(await forwarded(), dns, { auth: apply });
    expect(symbolsOf(untrusted)).toMatchObject({ ARC_PASS: 'i=1 lists.example', DMARC_FAIL_REJECT: 'sender.example p=reject' });
    expect(untrusted.transactions[0]!.verdict.action).toBe('reject');
  });

  it('a seal broken after sealing fails', async () => {
    const raw = Buffer.from((await forwarded()).toString().replace('Subject: [list] hello', 'Subject: [list] changed later'));
    expect(symbolsOf(await scan(raw, dns))).toHaveProperty('ARC_FAIL');
  });
});

describe('Authentication-Results', () => {
  it('removes an incoming copy that claims our authserv-id and keeps the others', async () => {
    const raw = message({ from: 'a@nothing.example', extra: 'Authentication-Results: mx.thresher.test; dkim=pass header.d=bank.example\r\nAuthentication-Results: gateway.example; spf=pass\r\n' });
    const o = await scan(raw, dns);
    expect(o.transactions[0]!.edits.filter((e) => e.op === 'delete')).toEqual([{ op: 'delete', name: 'Authentication-Results', copies: [1] }]);
    expect(authResultsOf(o)).toMatch(/^mx\.thresher\.test;/);
  });

  it('records the SPF identity it checked', async () => {
    const o = await scan(message({ from: 'a@sender.example' }), dns, {}, { ip: '192.0.2.25', sender: 'bounces@sender.example' });
    expect(authResultsOf(o)).toContain('spf=pass smtp.mailfrom=bounces@sender.example');
  });
});

describe('a DNS server that answers too late, or has stopped', () => {
  it('the message is still answered within the time limit, scored without the checks', async () => {
    const late = await startDnsServer({ zone, delayMs: 5000 });
    try {
      const waiting = resolverFor({ servers: [late.address], timeoutMs: 4000, tries: 1 });
      const raw = await signed(message({ from: 'a@sender.example' }), 'sender.example', 'sel', sender);
      const started = Date.now();
      const o = await scan(raw, waiting, { auth: { timeout_seconds: 0.3 } }, { ip: '192.0.2.25', sender: 'a@sender.example' });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(o.transactions[0]!.verdict.result.failures.map((f) => f.check).sort()).toEqual(['auth', 'spf']);
      expect(Object.keys(symbolsOf(o)).filter((s) => /^(SPF|DKIM|DMARC|ARC)_/.test(s))).toEqual([]);
      expect(symbolsOf(o)).toHaveProperty('CHECK_FAILED');
    } finally {
      await late.stop();
    }
  });

  it('a stopped server makes every lookup a temporary error', async () => {
    const gone = await startDnsServer();
    await gone.stop();
    const resolver = resolverFor({ servers: [gone.address], timeoutMs: 300, tries: 1 });
    const raw = await signed(message({ from: 'a@sender.example' }), 'sender.example', 'sel', sender);
    const o = symbolsOf(await scan(raw, resolver, {}, { ip: '192.0.2.25', sender: 'a@sender.example' }));
    expect(o).toMatchObject({ SPF_TEMPERROR: 'sender.example', DKIM_TEMPERROR: 'sender.example s=sel', DMARC_TEMPERROR: 'sender.example' });
  });
});
