// Greylisting through a REAL Postfix whose queue retries: the message enters Postfix, is
// relayed to an inner smtpd that asks Thresher, is deferred (451) and stays queued; after the
// block time `postqueue -f` delivers it exactly once, with GREYLIST_PASSED in its headers. A
// second message with the same triplet passes at once. In score mode only the spammy message
// (GTUBE) is greylisted.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostfix, type Postfix } from './support/postfix.js';
import { buildMessage, GTUBE, headerValues, sendMail } from './support/smtp.js';
import { startThresher, type Thresher } from './support/thresher.js';

const BLOCK_SECONDS = 3;
const CLASSIC = `greylisting: { enabled: true, block: ${BLOCK_SECONDS}s }\n`;
const SCORE = `greylisting: { enabled: true, mode: score, block: ${BLOCK_SECONDS}s }\nthresholds: { greylist: 50 }\n`;

let classic: Thresher | undefined;
let score: Thresher | undefined;
let postfix: Postfix | undefined;

beforeAll(async () => {
  classic = await startThresher(CLASSIC);
  score = await startThresher(SCORE);
  postfix = await startPostfix([classic.postfixSpec, score.postfixSpec], { throughQueue: true });
}, 120_000);

afterAll(async () => {
  const codes: (number | null)[] = [];
  try {
    for (const t of [classic, score]) if (t) codes.push(await t.stop());
  } finally {
    await postfix?.stop();
  }
  expect(codes).toEqual([0, 0]);
});

const ctx = () => `--- maillog ---\n${postfix!.log()}\n${classic!.output()}\n${score!.output()}`;

/** Waits until the message from `sender` sits in the deferred queue; returns why (the 451 the inner smtpd gave). */
async function deferredReason(sender: string, token: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const entry = (await postfix!.queue()).find((q) => q.queue_name === 'deferred' && q.sender === sender);
    const reason = (entry?.recipients[0] as { delay_reason?: string } | undefined)?.delay_reason;
    if (reason !== undefined) {
      expect(postfix!.deliveries(token), ctx()).toHaveLength(0);
      return reason;
    }
    await sleep(200);
  }
  throw new Error(`no deferred message from ${sender}\n${ctx()}`);
}

describe('greylisting behind Postfix, retried by its queue', () => {
  it('classic: 451 first, delivered once by postqueue -f after the block time; the same triplet then passes at once', { timeout: 90_000 }, async () => {
    const port = postfix!.smtpPorts[0]!;
    const env = { from: 'alice@sender.test', to: ['bob@example.test'] };
    const first = buildMessage({ subject: 'meeting', body: 'See you at ten.\r\n' });
    expect((await sendMail(port, env, first.text)).reply.code).toBe(250);
    expect(await deferredReason(env.from, first.token)).toMatch(/451 4\.7\.1 Greylisted, please try again in \d+ seconds/);

    await sleep(BLOCK_SECONDS * 1000 + 200);
    await postfix!.flush();
    const got = await postfix!.waitForDelivery(first.token, 20_000);
    expect(headerValues(got, 'X-Spam-Result')[0], ctx()).toMatch(/GREYLIST_PASSED/);
    await sleep(1000);
    expect(postfix!.deliveries(first.token)).toHaveLength(1);

    const second = buildMessage({ subject: 'meeting 2', body: 'And again at eleven.\r\n' });
    expect((await sendMail(port, env, second.text)).reply.code).toBe(250);
    const again = await postfix!.waitForDelivery(second.token, 20_000);
    expect(headerValues(again, 'X-Spam-Result')[0] ?? '').not.toMatch(/GREYLIST/);
  });

  it('score mode: only the spammy message is greylisted, and passes on the retry', { timeout: 90_000 }, async () => {
    const port = postfix!.smtpPorts[1]!;
    const env = { from: 'carol@sender.test', to: ['dave@example.test'] };
    const ham = buildMessage({ subject: 'lunch', body: 'Lunch at noon?\r\n' });
    const spam = buildMessage({ subject: 'win', body: `Claim now:\r\n${GTUBE}\r\n` });
    expect((await sendMail(port, env, ham.text)).reply.code).toBe(250);
    expect((await sendMail(port, env, spam.text)).reply.code).toBe(250);
    const delivered = await postfix!.waitForDelivery(ham.token, 20_000);
    expect(headerValues(delivered, 'X-Spam-Result')[0] ?? '').not.toMatch(/GREYLIST/);
    expect(await deferredReason(env.from, spam.token)).toMatch(/451 4\.7\.1 Greylisted/);
    expect(score!.records().filter((r) => r.msg === 'greylisted by score')).toHaveLength(1);

    await sleep(BLOCK_SECONDS * 1000 + 200);
    await postfix!.flush();
    const got = await postfix!.waitForDelivery(spam.token, 20_000);
    expect(headerValues(got, 'X-Spam-Status')[0]).toMatch(/^Yes/);
    expect(headerValues(got, 'X-Spam-Result')[0], ctx()).toMatch(/GREYLIST_PASSED/);
    expect(postfix!.deliveries(spam.token)).toHaveLength(1);
  });
});
