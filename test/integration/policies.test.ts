// Recipient policies through a REAL Postfix: one message to three recipients whose policies
// say mark, quarantine and fail. Thresher accepts the first and answers the others 452 4.5.3,
// so the sender (this test, like any MTA) sends them in their own transactions, where each
// policy decides: marked and delivered, held in Postfix's hold queue, refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostfix, type Postfix } from './support/postfix.js';
import { buildMessage, GTUBE, headerValues, sendMailPerRecipient } from './support/smtp.js';
import { startThresher, type Thresher } from './support/thresher.js';

const CONFIG = `
headers:
  subject_prefix: "***SPAM*** "
policies:
  - name: holds
    match: { recipients: ["held@quarantine.test"] }
    spam_action: quarantine
  - name: refuses
    match: { recipients: ["@strict.test"] }
    spam_action: fail
`;

let t: Thresher | undefined;
let postfix: Postfix | undefined;

beforeAll(async () => {
  t = await startThresher(CONFIG);
  postfix = await startPostfix([t.postfixSpec]);
});

afterAll(async () => {
  let code: number | null = null;
  try {
    if (t) code = await t.stop();
  } finally {
    await postfix?.stop();
  }
  expect(code).toBe(0);
});

describe('recipient policies behind Postfix', () => {
  it('mark, quarantine and fail on one message with three recipients', async () => {
    const port = postfix!.smtpPorts[0]!;
    const msg = buildMessage({ subject: 'win big', body: `Claim now:\r\n${GTUBE}\r\n` });
    const from = 'spammer@sender.test';
    const first = await sendMailPerRecipient(port, { from, to: ['marked@example.test', 'held@quarantine.test', 'boss@strict.test'] }, msg.text);
    const ctx = () => `${first.transcript.join('\n')}\n--- maillog ---\n${postfix!.log()}\n${t!.output()}`;
    expect(first.rcpt.map((r) => r.code), ctx()).toEqual([250, 452, 452]);
    expect(first.rcpt[1]!.text).toContain('4.5.3');
    expect(first.reply?.code, ctx()).toBe(250);

    // The deferred recipients, each in its own transaction, as a sending MTA retries them.
    const held = await sendMailPerRecipient(port, { from, to: ['held@quarantine.test'] }, msg.text);
    expect(held.reply?.code, held.transcript.join('\n')).toBe(250);
    const refused = await sendMailPerRecipient(port, { from, to: ['boss@strict.test'] }, msg.text);
    expect(refused.reply?.code, refused.transcript.join('\n')).toBe(550);
    expect(refused.reply?.text).toContain('5.7.1 Message rejected as spam');

    // marked: delivered once, with the spam headers and the subject prefix
    const got = await postfix!.waitForDelivery(msg.token);
    expect(headerValues(got, 'X-Spam-Status')[0]).toMatch(/^Yes, score=1000\.0/);
    expect(headerValues(got, 'X-Spam-Flag')).toEqual(['YES']);
    expect(headerValues(got, 'Subject')).toEqual(['***SPAM*** win big']);

    // quarantined: in Postfix's hold queue, for that recipient only
    const deadline = Date.now() + 10_000;
    let hold: Awaited<ReturnType<Postfix['queue']>> = [];
    while (Date.now() < deadline) {
      hold = (await postfix!.queue()).filter((q) => q.queue_name === 'hold');
      if (hold.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(hold, postfix!.log()).toHaveLength(1);
    expect(hold[0]!.recipients.map((r) => r.address)).toEqual(['held@quarantine.test']);
    const logged = /milter-hold: END-OF-MESSAGE from .*: milter triggers HOLD action; .*to=<held@quarantine\.test>/;
    expect(await postfix!.waitForLog(logged)).toMatch(logged);

    // Thresher logged the split with both policy names
    const split = t!.records().filter((r) => r.msg === 'recipient deferred to its own transaction: different policy');
    expect(split.map((r) => r.policy)).toEqual(['holds', 'refuses']);
  });
});
