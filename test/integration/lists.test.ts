// Allow and block lists through a REAL Postfix: a blocked sender refused at MAIL with the
// configured reply, a sender refused at RCPT for one recipient only, an allow-listed sender's GTUBE message delivered as spam with the allow
// symbol in X-Spam-Result (1000 - 20), and a blocked client IP (Postfix's test client
// connects from 127.0.0.1) refused for the whole SMTP session. Two Thresher instances, one
// Postfix with an smtpd listener for each.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostfix, type Postfix } from './support/postfix.js';
import { buildMessage, GTUBE, headerValues, sendMail } from './support/smtp.js';
import { errorRecords, startThresher, type Thresher } from './support/thresher.js';

const SENDER_LISTS = `
lists:
  sender_allow: ["friend@partner.test"]
  sender_block: ["*@blocked.test"]
  recipients:
    "bob@example.test": { sender_block: ["pest@annoying.test"] }
  replies: { sender_block: "550 5.7.1 Sender blocked by list test" }
`;
const IP_BLOCK = `
lists:
  ip_block: ["127.0.0.1/32"]
  replies: { ip_block: "554 5.7.1 Client blocked by list test" }
`;

let senders: Thresher | undefined;
let ipBlock: Thresher | undefined;
let postfix: Postfix | undefined;

beforeAll(async () => {
  [senders, ipBlock] = await Promise.all([startThresher(SENDER_LISTS), startThresher(IP_BLOCK)]);
  postfix = await startPostfix([senders.postfixSpec, ipBlock.postfixSpec]);
});

afterAll(async () => {
  const codes: Array<[string, number | null]> = [];
  try {
    for (const [name, t] of [['senders', senders], ['ip-block', ipBlock]] as const) {
      if (t) codes.push([name, await t.stop()]);
    }
  } finally {
    await postfix?.stop();
  }
  for (const [name, code] of codes) expect(code, `thresher (${name}) exit code after SIGTERM`).toBe(0);
});

/**
 * Says each line (the first reply is the greeting) and collects one reply per step, until
 * the server closes the connection. Replies as "CODE text" lines joined by newlines.
 */
async function converse(port: number, lines: string[], timeoutMs = 10_000): Promise<{ replies: string[]; transcript: string }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setEncoding('utf8');
  const replies: string[] = [];
  const transcript: string[] = [];
  let buf = '';
  let closed = false;
  let wake: (() => void) | undefined;
  sock.on('data', (d: string) => { buf += d; wake?.(); });
  sock.on('close', () => { closed = true; wake?.(); });
  sock.on('error', () => undefined);
  const next = async (): Promise<string | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^((?:\d{3}-.*\r\n)*\d{3} .*)\r\n/.exec(buf);
      if (m) {
        buf = buf.slice(m[0].length);
        transcript.push(`S: ${m[1]!}`);
        return m[1]!.replace(/\r\n/g, '\n');
      }
      if (closed) return undefined;
      if (Date.now() > deadline) throw new Error(`no SMTP reply within ${timeoutMs} ms\n${transcript.join('\n')}`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 100); });
    }
  };
  try {
    for (const line of [undefined, ...lines]) {
      if (line !== undefined) {
        if (closed) break;
        transcript.push(`C: ${line}`);
        sock.write(`${line}\r\n`);
      }
      const reply = await next();
      if (reply === undefined) break;
      replies.push(reply);
    }
    return { replies, transcript: transcript.join('\n') };
  } finally {
    sock.destroy();
  }
}

const context = (t: Thresher, transcript: string) => `${transcript}\n--- maillog ---\n${postfix!.log()}\n${t.output()}`;

describe('sender lists behind Postfix', () => {
  const port = () => postfix!.smtpPorts[0]!;

  it('refuses a blocked sender at MAIL with the configured reply', async () => {
    const { replies, transcript } = await converse(port(), ['EHLO client.thresher.test', 'MAIL FROM:<spammer@blocked.test>', 'QUIT']);
    expect(replies[0], context(senders!, transcript)).toMatch(/^220 /);
    expect(replies[2], context(senders!, transcript)).toBe('550 5.7.1 Sender blocked by list test');
    const logged = /milter-reject: MAIL from .*: 550 5\.7\.1 Sender blocked by list test; from=<spammer@blocked\.test>/;
    expect(await postfix!.waitForLog(logged)).toMatch(logged);
    expect(senders!.records().some((r) => r.msg === 'blocked' && r.symbol === 'SENDER_BLOCKLIST' && r.detail === '*@blocked.test')).toBe(true);
  });

  it('refuses a sender at RCPT for a recipient whose own list blocks it, and only for that recipient', async () => {
    const { replies, transcript } = await converse(port(), [
      'EHLO client.thresher.test', 'MAIL FROM:<pest@annoying.test>', 'RCPT TO:<bob@example.test>', 'RCPT TO:<carol@example.test>', 'RSET', 'QUIT',
    ]);
    const why = context(senders!, transcript);
    expect(replies[2], why).toMatch(/^250 /);
    expect(replies[3], why).toBe('550 5.7.1 Sender blocked by list test');
    expect(replies[4], why).toMatch(/^250 /);
    const logged = /milter-reject: RCPT from .*: 550 5\.7\.1 Sender blocked by list test; from=<pest@annoying\.test> to=<bob@example\.test>/;
    expect(await postfix!.waitForLog(logged)).toMatch(logged);
  });

  it('delivers GTUBE from an allow-listed sender, marked as spam, with the allow symbol (1000 - 20)', async () => {
    const m = buildMessage({ subject: 'test', body: `GTUBE from a friend:\r\n\r\n${GTUBE}\r\n` });
    const { reply, transcript } = await sendMail(port(), { from: 'friend@partner.test', to: ['bob@example.test'] }, m.text);
    expect(reply.code, context(senders!, transcript.join('\n'))).toBe(250);
    const got = await postfix!.waitForDelivery(m.token);
    expect(headerValues(got, 'X-Spam-Status')[0], got).toBe('Yes, score=980.0 required=5.0');
    const result = headerValues(got, 'X-Spam-Result')[0] ?? '';
    expect(result, got).toMatch(/(^|, )GTUBE \(1000\.0\)/);
    expect(result).toMatch(/(^|, )SENDER_ALLOWLIST \(-20\.0\)/);
  });
});

describe('IP block list behind Postfix', () => {
  // Postfix on a milter reject at connect: the greeting is "554 <host> ESMTP not accepting
  // connections", HELO/EHLO still work, and MAIL (so every transaction) gets the milter's reply.
  it('refuses the whole session of a client from 127.0.0.1, giving the configured reply at MAIL', async () => {
    const { replies, transcript } = await converse(postfix!.smtpPorts[1]!, ['EHLO client.thresher.test', 'MAIL FROM:<alice@sender.thresher.test>', 'RCPT TO:<bob@example.test>', 'QUIT']);
    const why = context(ipBlock!, transcript);
    expect(replies[0], why).toMatch(/^554 .*not accepting connections/);
    expect(replies[2], why).toBe('554 5.7.1 Client blocked by list test');
    expect(replies[3], why).toMatch(/^503 /);
    const logged = /milter-reject: CONNECT from [^:]*\[127\.0\.0\.1\]: 554 5\.7\.1 Client blocked by list test/;
    expect(await postfix!.waitForLog(logged)).toMatch(logged);
    expect(ipBlock!.records().some((r) => r.msg === 'blocked' && r.symbol === 'IP_BLOCKLIST' && r.detail === '127.0.0.1/32' && r.stage === 'connect')).toBe(true);
  });
});

describe('Thresher logs', () => {
  it('logged no errors while serving Postfix', () => {
    for (const t of [senders!, ipBlock!]) expect(errorRecords(t), t.output()).toEqual([]);
  });
});
