// A fleet: two `thresher serve` processes on different ports sharing one real redis-server.
// Greylisted by one, passed on retry by the other; a rate limit of 10 holds across both (10
// pass in all, not 20); a block decided by one is enforced by the other; with Redis stopped
// mid-run both fail open (CHECK_FAILED) and are back to normal once it returns.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MtaClient, type MessageResult } from '../../protocol/testing/mta-client.js';
import { useRedis } from './support/redis.js';
import { startThresher, type Thresher } from './support/thresher.js';

const redis = useRedis();
const fleet: Thresher[] = [];

const config = (url: string) => `
store: ${url}
redis: { timeout_ms: 300, key_prefix: "fleet:" }
bayes: { enabled: false }
greylisting:
  enabled: true
  block: 1s
  allow_senders: ["@bulk.example"]
rate_limits:
  buckets:
    - { name: bulk, key: [sender], rate: "10 / 1d" }
bad_sessions:
  enabled: true
  connections: { max: 3, per: 1h }
  events: { no_message: false }
  allow: [192.0.2.0/24, 198.51.100.0/24]
`;

beforeAll(async () => {
  for (let i = 0; i < 2; i++) fleet.push(await startThresher(config(redis.url)));
}, 60_000);

afterAll(async () => {
  for (const t of fleet) expect(await t.stop()).toBe(0);
});

async function send(t: Thresher, o: { from?: string; address?: string; rcpt?: string } = {}): Promise<MessageResult> {
  const c = await MtaClient.connect('127.0.0.1', t.port, { timeoutMs: 10_000 });
  try {
    await c.negotiate({ version: 6, actions: 0x1ff, protocol: 0 });
    return await c.sendMessage({
      connect: { hostname: 'unknown', address: o.address ?? '192.0.2.10', port: 25 },
      helo: 'client.example',
      from: o.from ?? 'alice@sender.example',
      rcpts: [o.rcpt ?? 'bob@example.net'],
      headers: [['Subject', 'hello'], ['From', 'alice@sender.example']],
      body: 'Hello Bob.\r\n',
    });
  } finally {
    if (!c.closed) await c.quit().catch(() => undefined);
  }
}

const symbolsOf = (r: MessageResult): string => {
  const m = r.modifications.find((x) => x.kind === 'addheader' && x.name === 'X-Spam-Result');
  return m && 'value' in m ? m.value : '';
};

describe('two instances sharing one redis-server', () => {
  it('greylisted by one, passed on retry by the other', { timeout: 30_000 }, async () => {
    const first = await send(fleet[0]!);
    expect(first.stage).toBe('rcpt');
    expect(first.replyText).toMatch(/^451 4\.7\.1 Greylisted/);
    await sleep(1100);
    const retry = await send(fleet[1]!);
    expect(retry.final).toBe('continue');
    expect(symbolsOf(retry)).toMatch(/GREYLIST_PASSED/);
  });

  it('a rate limit of 10 holds across both: 10 pass in all, not 20', { timeout: 60_000 }, async () => {
    const started = performance.now();
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await send(fleet[i % 2]!, { from: 'news@bulk.example', address: '198.51.100.7' }));
    const seconds = (performance.now() - started) / 1000;
    const passed = results.filter((r) => r.final === 'continue');
    expect(passed).toHaveLength(10);
    expect(results.filter((r) => r.stage === 'mail' && /^451 4\.7\.1 Rate limit/.test(r.replyText ?? ''))).toHaveLength(10);
    console.log(`fleet: 20 messages through two instances sharing Redis in ${seconds.toFixed(2)} s (${(20 / seconds).toFixed(0)} msg/s, one at a time)`);
  });

  it('a block decided by one is enforced by the other', { timeout: 30_000 }, async () => {
    const address = '203.0.113.9';
    for (let i = 0; i < 3; i++) expect((await send(fleet[0]!, { address, from: `x${i}@bulk.example` })).final).toBe('continue');
    const fourth = await send(fleet[0]!, { address, from: 'x9@bulk2.example' });
    expect(fourth.stage).toBe('connect');
    expect(fourth.replyText).toMatch(/^421 4\.7\.0/);
    const other = await send(fleet[1]!, { address, from: 'y@bulk.example' });
    expect(other.stage).toBe('connect');
    expect(other.replyText).toMatch(/^421 4\.7\.0/);
    expect(fleet[0]!.records().some((r) => r.msg === 'client blocked' && r.client === address)).toBe(true);
  });

  it('with Redis stopped both fail open (CHECK_FAILED), and are back to normal once it returns', { timeout: 60_000 }, async () => {
    await redis.stop();
    for (const t of fleet) {
      const r = await send(t, { from: 'new@other.example', rcpt: 'carol@example.net' });
      expect(r.final).toBe('continue');
      expect(symbolsOf(r)).toMatch(/CHECK_FAILED/);
    }
    await redis.restart();
    const deadline = Date.now() + 10_000;
    let back = await send(fleet[0]!, { from: 'back@other.example' });
    while (back.final === 'continue' && Date.now() < deadline) {
      await sleep(200);
      back = await send(fleet[0]!, { from: `back${Date.now()}@other.example` });
    }
    expect(back.replyText).toMatch(/^451 4\.7\.1 Greylisted/);
  });
});
