// Thresher behind a REAL Sendmail 8.17 (private instance, see support/sendmail.ts), declared with
// the INPUT_MAIL_FILTER line of examples/sendmail.mc: the Postfix cases again, where Sendmail
// differs: its header indexes for the forged copies, its quarantine (queue files kept as hf*),
// and its client address forms (IPv6 clients come as "IPv6:0:0:0:0:0:0:0:1", uncompressed).
// One Sendmail per Thresher, each listening on 127.0.0.1 and ::1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/proc.js';
import { startSendmail, type Sendmail } from './support/sendmail.js';
import { buildMessage, GTUBE, headerValues, sendMail, sendMailPerRecipient, type Server, type TestMessage } from './support/smtp.js';
import { errorRecords, startThresher, type Thresher } from './support/thresher.js';

const ENVELOPE = { from: 'alice@sender.thresher.test', to: ['bob@example.test'] };
const clean = () => buildMessage({ subject: 'Lunch on Friday?', body: 'Hi Bob,\r\nare we still on for lunch on Friday?\r\n\r\nAlice\r\n' });
const gtube = () => buildMessage({ subject: 'test', body: `This is the GTUBE test string:\r\n\r\n${GTUBE}\r\n` });

const CONFIGS = {
  plain: 'thresholds: { spam: 5 }\n',
  rejecting: 'thresholds: { spam: 5, reject: 20 }\nreplies: { reject: "550 5.7.1 Message rejected as spam" }\n',
  // Recipient policies first; the client policy catches what is left from an IPv6 client.
  policies: `
headers:
  subject_prefix: "***SPAM*** "
policies:
  - name: holds
    match: { recipients: ["held@quarantine.test"] }
    spam_action: quarantine
  - name: refuses
    match: { recipients: ["@strict.test"] }
    spam_action: fail
  - name: ipv6-loopback
    match: { clients: ["::1"] }
    spam_action: fail
`,
  ipBlock: `
lists:
  ip_block: ["::1/128"]
  replies: { ip_block: "554 5.7.1 Client blocked by list test" }
`,
};
type Name = keyof typeof CONFIGS;

const thresher: Partial<Record<Name, Thresher>> = {};
const sendmail: Partial<Record<Name, Sendmail>> = {};

beforeAll(async () => {
  // One after the other: several Node servers starting at once on a small, busy machine can
  // each take longer than the harness waits for one.
  for (const name of Object.keys(CONFIGS) as Name[]) {
    const t = (thresher[name] = await startThresher(CONFIGS[name]));
    sendmail[name] = await startSendmail(t.libmilterSpec);
  }
});

afterAll(async () => {
  const codes: Array<[string, number | null]> = [];
  try {
    for (const [name, t] of Object.entries(thresher)) codes.push([name, await t.stop()]);
  } finally {
    await Promise.all(Object.values(sendmail).map((s) => s.stop()));
  }
  for (const [name, code] of codes) expect(code, `thresher (${name}) exit code after SIGTERM`).toBe(0);
});

const v4 = (name: Name): Server => sendmail[name]!.port;
const v6 = (name: Name): Server => ({ host: '::1', port: sendmail[name]!.port6 });

/** Why a check failed: the SMTP transcript, the maillog and the server log. */
function context(name: Name, transcript: string[]): string {
  return `${transcript.join('\n')}\n--- maillog ---\n${sendmail[name]!.log()}\n${thresher[name]!.output()}`;
}

async function deliver(name: Name, m: TestMessage, server = v4(name)): Promise<string> {
  const { reply, transcript } = await sendMail(server, ENVELOPE, m.text);
  expect(reply.code, `end of DATA\n${context(name, transcript)}`).toBe(250);
  return sendmail[name]!.waitForDelivery(m.token);
}

describe('Thresher behind Sendmail (default thresholds)', () => {
  it('delivers a clean message with X-Spam-Status: No', async () => {
    const got = await deliver('plain', clean());
    const status = headerValues(got, 'X-Spam-Status');
    expect(status, got).toHaveLength(1);
    expect(status[0]).toMatch(/^No, score=-?\d+(\.\d+)? required=5\.0$/);
    // as Sendmail wrote it: one space after the colon (SMFIP_HDR_LEADSPC handled right)
    expect(got).toMatch(/^X-Spam-Status: No, score=/m);
    expect(headerValues(got, 'X-Spam-Result').join(' ')).not.toContain('GTUBE');
    // Sendmail's own trace header is there: the message went through Sendmail, not around it
    expect(got).toMatch(/^Received: from client\.thresher\.test .*\n\tby mta\.thresher\.test \(8\.17/m);
  });

  it('delivers GTUBE with X-Spam-Status: Yes and the GTUBE symbol', async () => {
    const got = await deliver('plain', gtube());
    const status = headerValues(got, 'X-Spam-Status');
    expect(status, got).toHaveLength(1);
    expect(status[0]).toMatch(/^Yes, score=\d+(\.\d+)? required=5\.0$/);
    expect(Number(/score=([\d.]+)/.exec(status[0]!)?.[1])).toBeGreaterThanOrEqual(1000);
    const result = headerValues(got, 'X-Spam-Result');
    expect(result, got).toHaveLength(1);
    expect(result[0]).toMatch(/(^|, )GTUBE \(1000(\.0)?\)/);
  });

  it('removes a forged X-Spam-Status / X-Spam-Result and keeps only its own', async () => {
    const m = buildMessage({
      subject: 'trust me',
      body: `Forged verdict below, real GTUBE too:\r\n${GTUBE}\r\n`,
      extraHeaders: ['X-Spam-Status: No, score=-100', 'X-Spam-Result: WHITELISTED (-100.0)'],
    });
    const got = await deliver('plain', m);
    expect(headerValues(got, 'X-Spam-Status'), got).toEqual([expect.stringMatching(/^Yes, score=\d+(\.\d+)? required=5\.0$/)]);
    expect(got).not.toContain('score=-100');
    const result = headerValues(got, 'X-Spam-Result');
    expect(result, got).toHaveLength(1);
    expect(result[0]).toContain('GTUBE');
    expect(got).not.toContain('WHITELISTED');
  });

  it('removes every one of several interleaved forged copies, in any letter case', async () => {
    const m = buildMessage({
      subject: 'three forged verdicts',
      body: `${GTUBE}\r\n`,
      extraHeaders: [
        'X-Spam-Status: No, score=-1 forged=1',
        'X-Spam-Flag: NO',
        'X-Spam-Status: No, score=-2 forged=2',
        'X-Note: between the forged copies',
        'X-Spam-Status: No, score=-3 forged=3',
        'x-spam-status: No, score=-4 forged=4',
      ],
    });
    const got = await deliver('plain', m);
    expect(got).not.toMatch(/forged=\d/);
    expect(headerValues(got, 'X-Spam-Status'), got).toEqual([expect.stringMatching(/^Yes, score=1000\.0 required=5\.0$/)]);
    expect(headerValues(got, 'X-Spam-Flag'), got).toEqual(['YES']);
    expect(headerValues(got, 'X-Note')).toEqual(['between the forged copies']);
    const deleted = /Milter \(thresher\) delete: header X-Spam-Status: No, score=-1 forged=1/;
    expect(await sendmail.plain!.waitForLog(deleted)).toMatch(deleted);
  });
});

describe('Thresher behind Sendmail (thresholds.reject: 20)', () => {
  it('refuses GTUBE at end of DATA with the configured reply, and delivers nothing', async () => {
    const m = gtube();
    const { reply, transcript } = await sendMail(v4('rejecting'), ENVELOPE, m.text);
    expect(reply.code, context('rejecting', transcript)).toBe(550);
    expect(reply.text).toBe('550 5.7.1 Message rejected as spam');
    const logged = /Milter: data, reject=550 5\.7\.1 Message rejected as spam/;
    expect(await sendmail.rejecting!.waitForLog(logged)).toMatch(logged);
    await new Promise((r) => setTimeout(r, 500));
    expect(sendmail.rejecting!.deliveries(m.token)).toHaveLength(0);
  });

  it('still delivers a clean message', async () => {
    const got = await deliver('rejecting', clean());
    expect(headerValues(got, 'X-Spam-Status')[0], got).toMatch(/^No, /);
  });
});

describe('recipient policies behind Sendmail', () => {
  it('mark, quarantine and fail on one message with three recipients', async () => {
    const port = v4('policies');
    const sm = sendmail.policies!;
    const msg = buildMessage({ subject: 'win big', body: `Claim now:\r\n${GTUBE}\r\n` });
    const from = 'spammer@sender.test';
    const first = await sendMailPerRecipient(port, { from, to: ['marked@example.test', 'held@quarantine.test', 'boss@strict.test'] }, msg.text);
    const ctx = () => context('policies', first.transcript);
    expect(first.rcpt.map((r) => r.code), ctx()).toEqual([250, 452, 452]);
    expect(first.rcpt[1]!.text).toContain('4.5.3');
    expect(first.reply?.code, ctx()).toBe(250);

    // The deferred recipients, each in its own transaction, as a sending MTA retries them.
    const held = await sendMailPerRecipient(port, { from, to: ['held@quarantine.test'] }, msg.text);
    expect(held.reply?.code, held.transcript.join('\n')).toBe(250);
    const refused = await sendMailPerRecipient(port, { from, to: ['boss@strict.test'] }, msg.text);
    expect(refused.reply?.code, refused.transcript.join('\n')).toBe(550);
    expect(refused.reply?.text).toContain('5.7.1 Message rejected as spam');

    // marked: delivered once, with the spam headers and the subject prefix (Subject changed in place)
    const got = await sm.waitForDelivery(msg.token);
    expect(headerValues(got, 'X-Spam-Status')[0]).toMatch(/^Yes, score=1000\.0/);
    expect(headerValues(got, 'X-Spam-Flag')).toEqual(['YES']);
    expect(headerValues(got, 'Subject')).toEqual(['***SPAM*** win big']);

    // quarantined: kept in Sendmail's queue as a quarantined (hf) file, for that recipient only
    const logged = /to=<held@quarantine\.test>, .*quarantine=.*, stat=quarantined/;
    expect(await sm.waitForLog(logged)).toMatch(logged);
    const q = sm.quarantined();
    expect(q, sm.log()).toHaveLength(1);
    expect(q[0]!.recipients).toEqual(['<held@quarantine.test>']);
    expect(q[0]!.reason).toMatch(/score 1000\.0/);

    const split = thresher.policies!.records().filter((r) => r.msg === 'recipient deferred to its own transaction: different policy');
    expect(split.map((r) => r.policy)).toEqual(['holds', 'refuses']);
  });
});

describe("Sendmail's client address forms", () => {
  it('matches a client policy for ::1 when Sendmail reports the client as IPv6:0:0:0:0:0:0:0:1', async () => {
    const m = gtube();
    const { reply, transcript } = await sendMail(v6('policies'), { from: 'spammer@sender.test', to: ['someone@example.test'] }, m.text);
    expect(reply.code, context('policies', transcript)).toBe(550);
    expect(reply.text).toBe('550 5.7.1 Message rejected as spam');
    // the form Sendmail gives the milter in CONNECT is the one it logs
    expect(sendmail.policies!.log()).toMatch(/daemon=MTA-v6, relay=localhost \[IPv6:0:0:0:0:0:0:0:1\]/);
    const decided = thresher.policies!.records()
      .filter((r) => r.msg === 'message decided' && Array.isArray(r.rcpt) && r.rcpt.includes('someone@example.test'));
    expect(decided.map((r) => [r.policy, r.action])).toEqual([['ipv6-loopback', 'reject']]);
  });

  it('does not apply the ::1 policy to the same message from 127.0.0.1', async () => {
    const m = gtube();
    const { reply, transcript } = await sendMail(v4('policies'), { from: 'spammer@sender.test', to: ['someone@example.test'] }, m.text);
    expect(reply.code, context('policies', transcript)).toBe(250);
    const got = await sendmail.policies!.waitForDelivery(m.token);
    expect(headerValues(got, 'X-Spam-Status')[0], got).toMatch(/^Yes, /);
  });

  // Sendmail on a milter reject at connect: the greeting is "554 <host> ESMTP not accepting
  // messages" and every command is refused; the milter's reply text is not shown to the client.
  it('refuses a client on the IP block list ::1/128 when it connects over IPv6, not over IPv4', async () => {
    const t = thresher.ipBlock!;
    const before = t.records().length;
    await expect(sendMail(v6('ipBlock'), ENVELOPE, clean().text)).rejects.toThrow(/SMTP greeting refused: 554 mta\.thresher\.test ESMTP not accepting messages/);
    const logged = /Milter: connect: host=localhost, addr=IPv6:0:0:0:0:0:0:0:1, rejecting commands/;
    expect(await sendmail.ipBlock!.waitForLog(logged)).toMatch(logged);
    const blocked = await t.waitForLog('blocked', before);
    expect([blocked.stage, blocked.symbol, blocked.detail]).toEqual(['connect', 'IP_BLOCKLIST', '::1/128']);
    const afterV6 = t.records().length;
    const got = await deliver('ipBlock', clean());
    expect(headerValues(got, 'X-Spam-Status')[0], got).toMatch(/^No, /);
    expect(t.records().slice(afterV6).filter((r) => r.msg === 'blocked')).toEqual([]);
  });
});

describe("examples/sendmail.mc's F=T", () => {
  it('makes Sendmail answer 4xx, not pass mail unscanned, when Thresher cannot be reached', async () => {
    const closed = await freePort(); // nothing listens there
    const sm = await startSendmail(`inet:${closed}@127.0.0.1`);
    try {
      const m = clean();
      // the filter is consulted from the first transaction on: Sendmail refuses MAIL
      await expect(sendMail(sm.port, ENVELOPE, m.text)).rejects.toThrow(/^SMTP MAIL refused: 451 4\.3\.2 /);
      expect(sm.log()).toMatch(/Milter \(thresher\): error connecting to filter/);
      await new Promise((r) => setTimeout(r, 500));
      expect(sm.deliveries(m.token)).toHaveLength(0);
    } finally {
      await sm.stop();
    }
  });
});

describe('Thresher logs', () => {
  it('logged no errors while serving Sendmail', () => {
    for (const t of Object.values(thresher)) {
      expect(t.records().length, t.output()).toBeGreaterThan(0);
      expect(errorRecords(t), t.output()).toEqual([]);
    }
  });
});
