// Thresher behind a REAL Postfix (private instance, see support/postfix.ts): messages go in through
// smtpd, Postfix talks milter protocol 6 to Thresher, and what Postfix delivers lands in smtp-sink's
// dump directory, where we read the headers Thresher added. Two Thresher instances: the defaults,
// and one with a reject threshold; one Postfix with an smtpd listener for each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostfix, type Postfix } from './support/postfix.js';
import { buildMessage, GTUBE, headerValues, sendMail, type TestMessage } from './support/smtp.js';
import { errorRecords, startThresher, type Thresher } from './support/thresher.js';

const ENVELOPE = { from: 'alice@sender.thresher.test', to: ['bob@example.test'] };
const clean = () => buildMessage({ subject: 'Lunch on Friday?', body: 'Hi Bob,\r\nare we still on for lunch on Friday?\r\n\r\nAlice\r\n' });
const gtube = () => buildMessage({ subject: 'test', body: `This is the GTUBE test string:\r\n\r\n${GTUBE}\r\n` });

let plain: Thresher | undefined;
let rejecting: Thresher | undefined;
let postfix: Postfix | undefined;

beforeAll(async () => {
  plain = await startThresher('thresholds: { spam: 5 }\n');
  rejecting = await startThresher('thresholds: { spam: 5, reject: 20 }\nreplies: { reject: "550 5.7.1 Message rejected as spam" }\n');
  postfix = await startPostfix([plain.postfixSpec, rejecting.postfixSpec]);
});

afterAll(async () => {
  const codes: Array<[string, number | null]> = [];
  try {
    for (const [name, t] of [['plain', plain], ['rejecting', rejecting]] as const) {
      if (t) codes.push([name, await t.stop()]);
    }
  } finally {
    await postfix?.stop();
  }
  for (const [name, code] of codes) expect(code, `thresher (${name}) exit code after SIGTERM`).toBe(0);
});

/** Why a delivery check failed: the SMTP transcript, the maillog and the server log. */
function context(t: Thresher, transcript: string[]): string {
  return `${transcript.join('\n')}\n--- maillog ---\n${postfix!.log()}\n${t.output()}`;
}

async function deliver(port: number, t: Thresher, m: TestMessage): Promise<string> {
  const { reply, transcript } = await sendMail(port, ENVELOPE, m.text);
  expect(reply.code, `end of DATA\n${context(t, transcript)}`).toBe(250);
  return postfix!.waitForDelivery(m.token);
}

describe('Thresher behind Postfix (default thresholds)', () => {
  const port = () => postfix!.smtpPorts[0]!;

  it('delivers a clean message with X-Spam-Status: No', async () => {
    const got = await deliver(port(), plain!, clean());
    const status = headerValues(got, 'X-Spam-Status');
    expect(status, got).toHaveLength(1);
    expect(status[0]).toMatch(/^No, score=-?\d+(\.\d+)? required=5\.0$/);
    // as Postfix wrote it: one space after the colon (SMFIP_HDR_LEADSPC handled right)
    expect(got).toMatch(/^X-Spam-Status: No, score=/m);
    expect(headerValues(got, 'X-Spam-Result').join(' ')).not.toContain('GTUBE');
  });

  it('delivers GTUBE with X-Spam-Status: Yes and the GTUBE symbol', async () => {
    const got = await deliver(port(), plain!, gtube());
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
    const got = await deliver(port(), plain!, m);
    const status = headerValues(got, 'X-Spam-Status');
    expect(status, got).toHaveLength(1);
    expect(status[0]).toMatch(/^Yes, score=\d+(\.\d+)? required=5\.0$/);
    expect(got).not.toContain('score=-100');
    const result = headerValues(got, 'X-Spam-Result');
    expect(result, got).toHaveLength(1);
    expect(result[0]).toContain('GTUBE');
    expect(got).not.toContain('WHITELISTED');
  });

  it('removes every one of several interleaved forged copies (the CVE-2022-48521 pattern)', async () => {
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
    const got = await deliver(port(), plain!, m);
    expect(got).not.toMatch(/forged=\d/);
    expect(headerValues(got, 'X-Spam-Status'), got).toEqual([expect.stringMatching(/^Yes, score=1000\.0 required=5\.0$/)]);
    expect(headerValues(got, 'X-Spam-Flag'), got).toEqual(['YES']);
    expect(headerValues(got, 'X-Note')).toEqual(['between the forged copies']);
  });
});

describe('Thresher behind Postfix (thresholds.reject: 20)', () => {
  const port = () => postfix!.smtpPorts[1]!;

  it('refuses GTUBE at end of DATA with the configured reply, and delivers nothing', async () => {
    const m = gtube();
    const { reply, transcript } = await sendMail(port(), ENVELOPE, m.text);
    expect(reply.code, context(rejecting!, transcript)).toBe(550);
    expect(reply.text).toBe('550 5.7.1 Message rejected as spam');
    const logged = /milter-reject: END-OF-MESSAGE .*: 5\.7\.1 Message rejected as spam/;
    expect(await postfix!.waitForLog(logged)).toMatch(logged);
    await new Promise((r) => setTimeout(r, 500));
    expect(postfix!.deliveries(m.token)).toHaveLength(0);
  });

  it('still delivers a clean message', async () => {
    const got = await deliver(port(), rejecting!, clean());
    expect(headerValues(got, 'X-Spam-Status')[0], got).toMatch(/^No, /);
  });
});

describe('Thresher logs', () => {
  it('logged no errors while serving Postfix', () => {
    for (const t of [plain!, rejecting!]) {
      expect(t.records().length, t.output()).toBeGreaterThan(0);
      expect(errorRecords(t), t.output()).toEqual([]);
    }
  });
});
