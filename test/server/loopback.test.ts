// The real server, in-process on a loopback port, driven by the MTA-side client the way
// Postfix drives it: framing, versions, concurrency, hostile peers, large messages, policy.
import v8 from 'node:v8';
import vm from 'node:vm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Action, Flag } from '../../protocol/constants.js';
import { mta, type MilterAnswer } from '../../protocol/testing/mta.js';
import { parseConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { MtaClient, type MessageResult, type MessageSpec, type NegotiateOptions } from '../../protocol/testing/mta-client.js';
import { testPipeline } from '../support/services.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const HOST = '127.0.0.1';
const CLIENT_TIMEOUT_MS = 5000;
const V6: NegotiateOptions = { version: 6, actions: 0x1ff, protocol: 0x1fffff };
const V2: NegotiateOptions = { version: 2, actions: 0x3f, protocol: 0x7f };
const NR_ALL_BUT_BODY =
  Flag.NR_CONN | Flag.NR_HELO | Flag.NR_MAIL | Flag.NR_RCPT | Flag.NR_DATA | Flag.NR_UNKN | Flag.NR_HDR | Flag.NR_EOH;

interface Running {
  server: RunningServer;
  port: number;
}

async function start(raw: object = {}): Promise<Running> {
  const config = parseConfig(raw);
  const server = await startServer({
    config,
    pipeline: testPipeline(config),
    log: pino({ level: 'silent' }),
    listen: [`inet:${HOST}:0`],
  });
  const port = Number(server.addresses[0]!.split(':').pop());
  return { server, port };
}

async function client(port: number, negotiate: NegotiateOptions | null = V6, byteByByte = false): Promise<MtaClient> {
  const c = await MtaClient.connect(HOST, port, { timeoutMs: CLIENT_TIMEOUT_MS, byteByByte });
  if (negotiate) await c.negotiate(negotiate);
  return c;
}

function message(body: string | Buffer, extra: Partial<MessageSpec> = {}): MessageSpec {
  return {
    macros: {
      connect: { j: 'mx.example.net', '{daemon_name}': 'smtpd' },
      mail: { i: '4ABC123', '{auth_authen}': '' },
      eom: { i: '4ABC123' },
    },
    connect: { hostname: 'client.example.org', address: '192.0.2.10', port: 40123 },
    helo: 'client.example.org',
    from: 'alice@example.org',
    mailArgs: ['SIZE=1000'],
    rcpts: ['bob@example.net', 'carol@example.net'],
    // Well-formed, so the built-in content rules have nothing to say about the test messages.
    headers: [
      ['From', 'Alice <alice@example.org>'],
      ['To', 'Bob <bob@example.net>'],
      ['Subject', 'loopback test'],
      ['Date', 'Thu, 1 Jan 2026 12:00:00 +0000'],
      ['Message-ID', '<1@example.org>'],
    ],
    body,
    ...extra,
  };
}

const cleanBody = 'Hello Bob,\r\n\r\nnothing to see here.\r\n';
const gtubeBody = `Hello Bob,\r\n\r\n${GTUBE}\r\n`;

/** The end-of-message headers as [name, value] with the value's leading space removed. */
function added(r: MessageResult): [string, string][] {
  return r.modifications
    .filter((m): m is Extract<MilterAnswer, { name: string }> & { kind: 'addheader' } => m.kind === 'addheader')
    .map((m) => [m.name, m.value.replace(/^ /, '')]);
}

function header(r: MessageResult, name: string): string | undefined {
  return added(r).find(([n]) => n === name)?.[1];
}

/** Polls a condition (bounded): server-side bookkeeping settles a moment after a client acts. */
async function eventually(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A full garbage collection, so memory samples show what is retained rather than garbage. */
let gc: (() => void) | undefined;
function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

describe('loopback server, default configuration', () => {
  let s: Running;
  const open: MtaClient[] = [];
  const track = (c: MtaClient) => (open.push(c), c);

  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await s.server.close();
  });

  it('negotiates v6 with no-reply for every stage but body, SKIP and LEADSPC', async () => {
    const c = track(await client(s.port, null));
    const answer = await c.negotiate(V6);
    expect(answer.version).toBe(6);
    expect(answer.actions & (Action.ADDHDRS | Action.CHGHDRS)).toBe(Action.ADDHDRS | Action.CHGHDRS);
    expect(answer.protocol & NR_ALL_BUT_BODY).toBe(NR_ALL_BUT_BODY);
    expect(answer.protocol & Flag.NR_BODY).toBe(0);
    expect(answer.protocol & (Flag.SKIP | Flag.HDR_LEADSPC)).toBe(Flag.SKIP | Flag.HDR_LEADSPC);
    await c.quit();
  });

  it('marks a clean message No and a GTUBE message Yes, on one connection', async () => {
    const c = track(await client(s.port));
    const clean = await c.sendMessage(message(cleanBody));
    expect(clean.final).toBe('continue');
    expect(clean.skipped).toBe(false);
    expect(added(clean)).toEqual([
      ['X-Spam-Status', 'No, score=0.0 required=5.0'],
      ['X-Spam-Result', 'none'],
    ]);
    // The header values carry the leading space under SMFIP_HDR_LEADSPC, as Postfix expects.
    expect(clean.modifications.every((m) => m.kind !== 'addheader' || m.value.startsWith(' '))).toBe(true);

    const spam = await c.sendMessage(message(gtubeBody));
    expect(spam.final).toBe('continue');
    expect(added(spam)).toEqual([
      ['X-Spam-Status', 'Yes, score=1000.0 required=5.0'],
      ['X-Spam-Result', 'GTUBE (1000.0)'],
      ['X-Spam-Flag', 'YES'],
      ['X-Spam-Level', '*'.repeat(50)],
    ]);
    // Only the body and end-of-message stages were waited for: everything else is no-reply.
    expect(new Set(c.stagesAnswered)).toEqual(new Set(['body', 'eom']));
    await c.quit();
    expect(c.closed).toBe(true);
  });

  it('gives a client writing one byte at a time exactly the answers of one writing whole frames', async () => {
    const forged = message(gtubeBody, {
      headers: [['X-Spam-Status', 'No, trust me'], ...message('').headers],
      bodyChunkSize: 7,
    });
    const conversation = async (byteByByte: boolean) => {
      const c = track(await client(s.port, null, byteByByte));
      const optneg = await c.negotiate(V6);
      const results = [];
      for (const spec of [message(cleanBody), forged, message(cleanBody)]) {
        const { elapsedMs: _elapsed, ...r } = await c.sendMessage(spec);
        results.push(r);
      }
      await c.quit();
      return { optneg, results, stages: c.stagesAnswered };
    };
    const whole = await conversation(false);
    const bytes = await conversation(true);
    expect(bytes).toEqual(whole);
    expect(whole.results.map((r) => header(r as MessageResult, 'X-Spam-Status'))).toEqual([
      'No, score=0.0 required=5.0',
      'Yes, score=1000.0 required=5.0',
      'No, score=0.0 required=5.0',
    ]);
  });

  it('serves version 2 and version 6 clients side by side', async () => {
    const v2 = track(await client(s.port, null));
    const v6 = track(await client(s.port, null));
    const a2 = await v2.negotiate(V2);
    const a6 = await v6.negotiate(V6);
    expect(a2.version).toBe(2);
    expect(a2.actions & ~V2.actions!).toBe(0);
    expect(a2.protocol & ~V2.protocol!).toBe(0);
    expect(a2.protocol & (NR_ALL_BUT_BODY | Flag.NR_BODY)).toBe(0);
    expect(a6.version).toBe(6);

    const spec = message(gtubeBody);
    const [r2, r6] = await Promise.all([v2.sendMessage(spec), v6.sendMessage(spec)]);
    expect(r2.final).toBe('continue');
    expect(r6.final).toBe('continue');
    expect(header(r2, 'X-Spam-Status')).toBe('Yes, score=1000.0 required=5.0');
    expect(header(r6, 'X-Spam-Status')).toBe('Yes, score=1000.0 required=5.0');
    // Version 2 has no no-reply flags: every stage was answered (no DATA before version 4).
    expect(v2.stagesAnswered).toEqual(['connect', 'helo', 'mail', 'rcpt', 'rcpt', ...spec.headers.map(() => 'header'), 'eoh', 'body', 'eom']);
    // No LEADSPC under version 2: values arrive without the leading space.
    expect(r2.modifications.find((m) => m.kind === 'addheader')).toMatchObject({ value: 'Yes, score=1000.0 required=5.0' });
    expect(v6.stagesAnswered).toEqual(['body', 'eom']);
    await Promise.all([v2.quit(), v6.quit()]);
  });

  it('answers every message of 200 concurrent connections sending 3 messages each', async () => {
    const N = 200;
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const c = track(await client(s.port));
        const out: (string | undefined)[] = [];
        for (let m = 0; m < 3; m++) {
          const spam = (i + m) % 2 === 0;
          const r = await c.sendMessage(
            message(spam ? gtubeBody : cleanBody, { connect: { hostname: `c${i}.example`, address: `192.0.2.${i % 250}`, port: 1024 + i } }),
          );
          expect(r.final).toBe('continue');
          out.push(header(r, 'X-Spam-Status')?.slice(0, 3));
        }
        await c.quit();
        return out;
      }),
    );
    expect(results).toHaveLength(N);
    for (const [i, out] of results.entries()) {
      expect(out).toEqual([0, 1, 2].map((m) => ((i + m) % 2 === 0 ? 'Yes' : 'No,')));
    }
    await eventually(() => s.server.connectionCount === 0, 'every connection to close');
  });

  it('closes connections sending random bytes, an oversized length or a command out of order, and only those', async () => {
    const good = track(await client(s.port));

    const random = track(await client(s.port, null));
    await random.send(randomBytes(4096, 0x5eed));

    const oversized = track(await client(s.port, V6));
    const huge = Buffer.alloc(9);
    huge.writeUInt32BE(0x7fffffff, 0);
    huge[4] = 0x42; // BODY
    await oversized.send(huge);

    const outOfOrder = track(await client(s.port, V6));
    await outOfOrder.send(mta.mail('<alice@example.org>')); // MAIL before CONNECT

    const bodyBeforeEoh = track(await client(s.port, V6));
    await bodyBeforeEoh.hello(message(''));
    await bodyBeforeEoh.send(Buffer.concat([mta.mail('<a@example.org>'), mta.rcpt('<b@example.net>'), mta.body('x')]));

    const noOptneg = track(await client(s.port, null));
    await noOptneg.send(mta.connect('host', '4', 25, '192.0.2.1'));

    // Meanwhile the well-behaved client is served as usual.
    const r = await good.sendMessage(message(gtubeBody));
    expect(header(r, 'X-Spam-Status')).toBe('Yes, score=1000.0 required=5.0');

    for (const bad of [random, oversized, outOfOrder, bodyBeforeEoh, noOptneg]) await bad.waitClosed(CLIENT_TIMEOUT_MS);
    expect(good.closed).toBe(false);
    const again = await good.sendMessage(message(cleanBody));
    expect(header(again, 'X-Spam-Status')).toBe('No, score=0.0 required=5.0');
    await good.quit();
  });

  it('answers a 20 MB message after reading only the scan limit: SKIP and NOT_FULLY_SCANNED', async () => {
    const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
    const body = Buffer.alloc(20 * 1024 * 1024, line);
    const c = track(await client(s.port));
    // Warm up the path, then measure what the big message adds to this (shared) process:
    // retained memory, sampled after a full collection while the message is in flight.
    await c.sendMessage(message(cleanBody));
    collectGarbage();
    const before = process.memoryUsage();
    let peakArrayBuffers = before.arrayBuffers;
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      collectGarbage();
      const m = process.memoryUsage();
      peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss);
    }, 20);
    let r: MessageResult;
    try {
      r = await c.sendMessage(message(body));
    } finally {
      clearInterval(sampler);
    }
    collectGarbage();
    const after = process.memoryUsage();
    peakArrayBuffers = Math.max(peakArrayBuffers, after.arrayBuffers);
    peakRss = Math.max(peakRss, after.rss);

    expect(r.final).toBe('continue');
    expect(r.skipped).toBe(true);
    // The rest of the body was never sent: at most the scan limit plus the chunk in flight.
    expect(r.bodyBytesSent).toBeLessThanOrEqual(4 * 1024 * 1024 + 65535);
    expect(r.bodyBytesSent).toBeGreaterThan(4 * 1024 * 1024 - 65535);
    expect(header(r, 'X-Spam-Status')).toBe('No, score=0.0 required=5.0');
    expect(header(r, 'X-Spam-Result')).toContain('NOT_FULLY_SCANNED');
    const MB = 1024 * 1024;
    const growth = { arrayBuffersMB: (peakArrayBuffers - before.arrayBuffers) / MB, rssMB: (peakRss - before.rss) / MB };
    // Buffering the unscanned 20 MB would show here: only the 4 MiB scan buffer may.
    expect(growth.arrayBuffersMB, JSON.stringify(growth)).toBeLessThan(15);
    // The scan buffer plus the content checks' parse of it: the decoded and collapsed text of
    // 4 MiB sit in the V8 heap until the verdict (about 13 MB; 16 to 24 MB of RSS in all here).
    expect(growth.rssMB, JSON.stringify(growth)).toBeLessThan(32);
    await c.quit();
  });

  it('deletes forged verdict headers, highest index first, before adding its own', async () => {
    const c = track(await client(s.port));
    const r = await c.sendMessage(
      message(cleanBody, {
        headers: [
          ['X-Spam-Status', 'No, score=-100.0'],
          ['From', 'Alice <alice@example.org>'],
          ['x-spam-status', 'No'],
          ['X-Spam-Result', 'none'],
          ['Subject', 'forged'],
          ...message('').headers.filter(([name]) => name !== 'From' && name !== 'Subject'),
        ],
      }),
    );
    expect(r.final).toBe('continue');
    expect(r.modifications.map((m) => ({ ...m, value: 'value' in m ? m.value.replace(/^ /, '') : undefined }))).toEqual([
      { kind: 'chgheader', index: 2, name: 'X-Spam-Status', value: '' },
      { kind: 'chgheader', index: 1, name: 'X-Spam-Status', value: '' },
      { kind: 'chgheader', index: 1, name: 'X-Spam-Result', value: '' },
      { kind: 'addheader', name: 'X-Spam-Status', value: 'No, score=0.0 required=5.0' },
      { kind: 'addheader', name: 'X-Spam-Result', value: 'none' },
    ]);
    await c.quit();
  });
});

describe('loopback server, reject threshold', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start({ thresholds: { reject: 20 } });
  });
  afterAll(async () => {
    await s.server.close();
  });

  it('refuses GTUBE with the configured REPLYCODE and still marks clean mail', async () => {
    const c = await client(s.port);
    try {
      const spam = await c.sendMessage(message(gtubeBody));
      expect(spam.final).toBe('replycode');
      expect(spam.replyText).toBe('550 5.7.1 Message rejected as spam');
      expect(spam.modifications).toEqual([]);
      const clean = await c.sendMessage(message(cleanBody));
      expect(clean.final).toBe('continue');
      expect(header(clean, 'X-Spam-Status')).toBe('No, score=0.0 required=5.0');
      await c.quit();
    } finally {
      c.close();
    }
  });
});

describe('loopback server, stalled peers', () => {
  let s: Running;
  const IDLE_SECONDS = 1;
  beforeAll(async () => {
    s = await start({ limits: { idle_timeout_seconds: IDLE_SECONDS } });
  });
  afterAll(async () => {
    await s.server.close();
  });

  it('keeps serving while 50 connections sit on half-sent frames, then times those out', async () => {
    const stalled: MtaClient[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        const c = await client(s.port, i % 2 === 0 ? V6 : null);
        const whole = i % 2 === 0 ? mta.connect('stalled.example', '4', 1000 + i, '192.0.2.99') : mta.optneg(6, 0x1ff, 0x1fffff);
        // Cut anywhere: inside the length, right after it, or inside the payload.
        const cut = [2, 4, 5, whole.length - 1][i % 4]!;
        await c.send(whole.subarray(0, cut));
        stalled.push(c);
      }
      await eventually(() => s.server.connectionCount === 50, '50 stalled connections');

      const good = await client(s.port);
      const r = await good.sendMessage(message(gtubeBody));
      expect(header(r, 'X-Spam-Status')).toBe('Yes, score=1000.0 required=5.0');
      await good.quit();

      await Promise.all(stalled.map((c) => c.waitClosed(IDLE_SECONDS * 1000 + 4000)));
      await eventually(() => s.server.connectionCount === 0, 'stalled connections to be closed');
    } finally {
      for (const c of stalled) c.close();
    }
  });
});
