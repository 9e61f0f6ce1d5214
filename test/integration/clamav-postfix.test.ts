// The ClamAV check behind a REAL Postfix (support/postfix.ts) with a real clamd: a virus is
// refused at end of DATA with its name; with clamd down and failure tempfail Postfix answers
// 451, and a message queued by Postfix (a content_filter hop, as amavisd setups relay) stays
// deferred and is delivered once clamd is back and the queue is flushed: nothing is lost.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EICAR, useClamd } from './support/clamd.js';
import { startPostfix, type Postfix } from './support/postfix.js';
import { buildMessage, headerValues, sendMail } from './support/smtp.js';
import { startThresher, type Thresher } from './support/thresher.js';

const ENVELOPE = { from: 'alice@sender.thresher.test', to: ['bob@example.test'] };
const clamd = useClamd();
let thresher: Thresher | undefined;
let postfix: Postfix | undefined;

beforeAll(async () => {
  thresher = await startThresher(`clamav:\n  servers: ["${clamd().tcp}"]\n  breaker: { failures: 2, cooldown_seconds: 1 }\n`);
  // Listener 0: Thresher as milter. Listener 1: no milter; what it accepts is queued and relayed to listener 0.
  postfix = await startPostfix([thresher.postfixSpec, ''], { filterThrough: { from: 1, to: 0 } });
}, 120_000);

afterAll(async () => {
  try {
    if (thresher) expect(await thresher.stop()).toBe(0);
  } finally {
    await postfix?.stop();
  }
});

describe('ClamAV behind Postfix', () => {
  it('refuses EICAR at end of DATA with 554 5.7.1 and the virus name; delivers clean mail with X-Virus-Status: Clean', async () => {
    const virus = buildMessage({ subject: 'invoice', body: `see below\r\n${EICAR}\r\n` });
    const refused = await sendMail(postfix!.smtpPorts[0]!, ENVELOPE, virus.text);
    expect(refused.reply.code, refused.transcript.join('\n')).toBe(554);
    expect(refused.reply.text).toMatch(/^554 5\.7\.1 Virus found: Eicar-Test-Signature/);
    const clean = buildMessage({ subject: 'lunch', body: 'Lunch on Friday?\r\n' });
    const sent = await sendMail(postfix!.smtpPorts[0]!, ENVELOPE, clean.text);
    expect(sent.reply.code).toBe(250);
    const got = await postfix!.waitForDelivery(clean.token);
    expect(headerValues(got, 'X-Virus-Status')).toEqual(['Clean']);
  });

  it('with clamd down (failure tempfail): 451 to the client; a queued message waits and is delivered after clamd returns and postqueue -f', async () => {
    const queued = buildMessage({ subject: 'queued while clamd is down', body: 'nothing lost\r\n' });
    await clamd().stop();
    try {
      const direct = buildMessage({ subject: 'while clamd is down', body: 'hello\r\n' });
      const deferred = await sendMail(postfix!.smtpPorts[0]!, ENVELOPE, direct.text);
      expect(deferred.reply.code, deferred.transcript.join('\n')).toBe(451);
      expect(deferred.reply.text).toMatch(/^451 4\.7\.1 /);
      const accepted = await sendMail(postfix!.smtpPorts[1]!, ENVELOPE, queued.text);
      expect(accepted.reply.code).toBe(250);
      await postfix!.waitForLog(/said: 451 4\.7\.1/, 20_000);
      expect(postfix!.log()).toMatch(/status=deferred .*451 4\.7\.1/);
      expect((await postfix!.queue()).map((q) => q.queue_name)).toEqual(['deferred']);
      expect(postfix!.deliveries(queued.token)).toEqual([]);
    } finally {
      await clamd().restart();
    }
    // The breaker's cool-down (1 s here) passes, the probe finds clamd back.
    await sleep(1200);
    await postfix!.flush();
    const got = await postfix!.waitForDelivery(queued.token, 30_000);
    expect(headerValues(got, 'X-Virus-Status')).toEqual(['Clean']);
    expect(await postfix!.queue()).toEqual([]);
  }, 120_000);
});
