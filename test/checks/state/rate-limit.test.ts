// Rate limits on both real store backends, with the injected clock at the refill edges; the
// bucket is shared by two stores on the same data (two hosts) and survives a restart.
import { afterAll, describe, expect, it } from 'vitest';
import { parseRate } from '../../../src/config/rate-limits.js';
import type { KeyValueStore } from '../../../src/store/kv.js';
import { useRedis } from '../../integration/support/redis.js';
import { removeTempDirs } from '../../support/temp-dirs.js';
import { attempt, client, MINUTE, newStore, pipeline, replyText, symbols, TestClock, type BackendName } from './support.js';

afterAll(removeTempDirs);
const redis = useRedis();

describe('parseRate', () => {
  it('reads COUNT / PERIOD and refuses the rest', () => {
    expect(parseRate('100 / 1h')).toEqual({ count: 100, periodSeconds: 3600 });
    expect(parseRate('10/m')).toEqual({ count: 10, periodSeconds: 60 });
    expect(parseRate('5 / 90')).toEqual({ count: 5, periodSeconds: 90 });
    for (const bad of ['100', '0 / 1h', '10 / 1w', 'ten / 1h']) expect(parseRate(bad)).toBeUndefined();
  });
});

describe.each<BackendName>(['sqlite', 'redis'])('rate limits on %s', (kind) => {
  const stores: KeyValueStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const setup = async (buckets: object[]) => {
    const clock = new TestClock();
    const made = await newStore(kind, clock, redis);
    stores.push(made.store);
    const raw = { rate_limits: { buckets } };
    return {
      clock,
      p: pipeline(raw, made.store, clock),
      /** The same data through a new connection: another host, or this one after a restart. */
      another: async () => {
        const s = await made.reopen();
        stores.push(s);
        return pipeline(raw, s, clock);
      },
    };
  };

  it('defers (451) past the burst and lets one more through at each refill, at its edge', async () => {
    const { clock, p } = await setup([{ name: 'per-client', key: ['client_address'], rate: '3 / 1h' }]);
    for (let i = 0; i < 3; i++) expect((await attempt(p)).mail).toEqual({ kind: 'continue' });
    const over = await attempt(p);
    expect(replyText(over.mail)).toBe('451 4.7.1 Rate limit reached, try again later');
    expect(over.mail).toMatchObject({ symbol: 'RATE_LIMITED' });
    // Another client has its own bucket.
    expect((await attempt(p, { client: client('192.0.2.11') })).mail!.kind).toBe('continue');
    // 3 per hour: one token every 20 minutes.
    clock.advance(20 * MINUTE - 1);
    expect((await attempt(p)).mail!.kind).toBe('defer');
    clock.advance(1);
    expect((await attempt(p)).mail!.kind).toBe('continue');
    expect((await attempt(p)).mail!.kind).toBe('defer');
    // Idle long enough, the bucket is full again, never fuller.
    clock.advance(10 * 60 * MINUTE);
    for (let i = 0; i < 3; i++) expect((await attempt(p)).mail!.kind).toBe('continue');
    expect((await attempt(p)).mail!.kind).toBe('defer');
  });

  it('holds across two stores on the same data, and keeps draining and refilling across a restart', async () => {
    const { clock, p, another } = await setup([{ name: 'sender', key: ['sender'], rate: '4 / 1h' }]);
    const q = await another();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await attempt(i % 2 === 0 ? p : q)).mail!.kind);
    expect(answers.filter((a) => a === 'continue')).toHaveLength(4);
    // "Restart": a fresh connection 15 minutes later sees the drained bucket, refilled by exactly one token (one per 15 minutes).
    clock.advance(15 * MINUTE);
    const restarted = await another();
    expect((await attempt(restarted)).mail!.kind).toBe('continue');
    expect((await attempt(restarted)).mail!.kind).toBe('defer');
  });

  it('answers per bucket: close (421), symbol only; recipient buckets count each recipient at RCPT', async () => {
    const { p } = await setup([
      { name: 'domain', key: ['sender_domain'], rate: '1 / 1d', answer: 'symbol' },
      { name: 'rcpt', key: ['client_network', 'recipient'], rate: '2 / 1d', answer: 'close' },
    ]);
    const first = await attempt(p, { rcpts: ['a@example.net', 'b@example.net'] });
    expect(first.rcpts.map((d) => d.kind)).toEqual(['continue', 'continue']);
    expect(symbols(first)).not.toContain('RATE_LIMITED(domain)');
    const second = await attempt(p, { rcpts: ['a@example.net'] });
    expect(symbols(second)).toContain('RATE_LIMITED(domain)');
    expect(second.eom!.verdict.action).toBe('accept');
    const third = await attempt(p, { rcpts: ['a@example.net', 'b@example.net', 'c@example.net'], client: client('192.0.2.200') });
    expect(replyText(third.rcpts[0])).toBe('421 4.7.0 Rate limit reached, closing connection');
    expect(third.rcpts.map((d) => d.kind)).toEqual(['defer', 'continue', 'continue']);
  });

  it('keys on the authenticated user and skips a bucket whose part is unknown', async () => {
    const { p } = await setup([{ name: 'user', key: ['user'], rate: '1 / 1d' }]);
    const { Transaction } = await import('../../../src/scan/transaction.js');
    const { log } = await import('./support.js');
    const tx = new Transaction(() => p, log);
    await tx.connect(client('192.0.2.10'));
    expect(await tx.mail({ address: 'a@x.example', args: [] }, { authenticated: true, user: 'alice' })).toEqual({ kind: 'continue' });
    expect((await tx.mail({ address: 'a@x.example', args: [] }, { authenticated: true, user: 'alice' })).kind).toBe('defer');
    expect(await tx.mail({ address: 'a@x.example', args: [] }, { authenticated: true, user: 'bob' })).toEqual({ kind: 'continue' });
    // Not logged in: the user bucket does not apply.
    for (let i = 0; i < 3; i++) expect(await tx.mail({ address: 'a@x.example', args: [] }, { authenticated: false })).toEqual({ kind: 'continue' });
    tx.reset();
  });
});
