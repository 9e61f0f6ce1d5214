// Greylisting on both real store backends (SQLite and redis-server), with the injected clock
// driven to each window's edges: block, pass window, lifetime, auto-allow.
import { afterAll, describe, expect, it } from 'vitest';
import { normaliseSender } from '../../../src/checks/greylist/sender-key.js';
import type { KeyValueStore } from '../../../src/store/kv.js';
import { useRedis } from '../../integration/support/redis.js';
import { removeTempDirs } from '../../support/temp-dirs.js';
import { attempt, client, DAY, HOUR, MINUTE, newStore, pipeline, replyText, symbols, TestClock, type BackendName } from './support.js';

afterAll(removeTempDirs);
const redis = useRedis();
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const ON = { greylisting: { enabled: true } };

describe('normaliseSender (as postgrey)', () => {
  it('lowercases and drops BATV tags, +extensions and per-message numbers', () => {
    expect(normaliseSender('Alice@Example.ORG')).toBe('alice@example.org');
    expect(normaliseSender('prvs=1234abcdef=bounce@example.org')).toBe('bounce@example.org');
    expect(normaliseSender('btv1==0a1b2c3d4e5==news@example.org')).toBe('news@example.org');
    expect(normaliseSender('list+bounces-1234@example.org')).toBe('list@example.org');
    expect(normaliseSender('bounce-12345-678@lists.example.org')).toBe('bounce-#-#@lists.example.org');
    expect(normaliseSender('alice2@example.org')).toBe('alice2@example.org');
  });
});

describe.each<BackendName>(['sqlite', 'redis'])('greylisting on %s', (kind) => {
  const stores: KeyValueStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const setup = async (raw: object = ON) => {
    const clock = new TestClock();
    const { store } = await newStore(kind, clock, redis);
    stores.push(store);
    return { clock, p: pipeline(raw, store, clock) };
  };

  it('defers a new triplet with the retry time, passes a retry from block time to the end of the pass window, then starts again', async () => {
    const { clock, p } = await setup();
    const first = await attempt(p);
    expect(first.rcpts[0]!.kind).toBe('defer');
    expect(replyText(first.rcpts[0])).toBe('451 4.7.1 Greylisted, please try again in 900 seconds');
    clock.advance(15 * MINUTE - 1);
    const early = await attempt(p);
    expect(replyText(early.rcpts[0])).toBe('451 4.7.1 Greylisted, please try again in 1 seconds');
    clock.advance(1);
    const passed = await attempt(p);
    expect(passed.rcpts[0]).toEqual({ kind: 'continue' });
    expect(symbols(passed)).toContain('GREYLIST_PASSED(after 15m)');
    // The same triplet again: passes at once, no delay to report.
    const again = await attempt(p);
    expect(again.rcpts[0]).toEqual({ kind: 'continue' });
    expect(symbols(again).filter((s) => s.startsWith('GREYLIST'))).toEqual([]);

    // Pass window: a retry at block + 6 h - 1 ms passes; at block + 6 h the triplet starts again.
    const late = { sender: 'late@sender.example' };
    expect((await attempt(p, late)).rcpts[0]!.kind).toBe('defer');
    clock.advance(15 * MINUTE + 6 * HOUR - 1);
    expect(symbols(await attempt(p, late))).toContain('GREYLIST_PASSED(after 6h 15m)');
    const tooLate = { sender: 'toolate@sender.example' };
    expect((await attempt(p, tooLate)).rcpts[0]!.kind).toBe('defer');
    clock.advance(15 * MINUTE + 6 * HOUR);
    expect(replyText((await attempt(p, tooLate)).rcpts[0])).toBe('451 4.7.1 Greylisted, please try again in 900 seconds');
  });

  it('remembers a passed triplet for the lifetime after its last pass, refreshed on each pass', async () => {
    const { clock, p } = await setup();
    await attempt(p);
    clock.advance(15 * MINUTE);
    expect((await attempt(p)).rcpts[0]!.kind).toBe('continue');
    clock.advance(36 * DAY - 1);
    expect((await attempt(p)).rcpts[0]!.kind).toBe('continue'); // refreshes
    clock.advance(36 * DAY - 1);
    expect((await attempt(p)).rcpts[0]!.kind).toBe('continue');
    clock.advance(36 * DAY);
    expect((await attempt(p)).rcpts[0]!.kind).toBe('defer');
  });

  it('auto-allows a client network after N passed triplets, for the lifetime', async () => {
    const { clock, p } = await setup({ greylisting: { enabled: true, auto_allow_after: 2 } });
    const from = (n: number) => ({ sender: `user${n}x@sender.example`, client: client(`192.0.2.${n}`) });
    for (const n of [1, 2]) await attempt(p, from(n));
    clock.advance(15 * MINUTE);
    // One passed triplet: a third sender is still greylisted.
    expect((await attempt(p, from(1))).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, from(3))).rcpts[0]!.kind).toBe('defer');
    // Two: the whole /24 passes, a new sender from another address of it included.
    expect((await attempt(p, from(2))).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, from(4))).rcpts[0]!.kind).toBe('continue');
    // Another /24 is not allowed.
    expect((await attempt(p, { ...from(5), client: client('198.51.100.5') })).rcpts[0]!.kind).toBe('defer');
    clock.advance(36 * DAY - 1);
    expect((await attempt(p, from(6))).rcpts[0]!.kind).toBe('continue'); // refreshes
    clock.advance(36 * DAY);
    expect((await attempt(p, from(7))).rcpts[0]!.kind).toBe('defer');
  });

  it('keys on the client network: a retry from another address of the /24 (or /64) passes, from another network not', async () => {
    const { clock, p } = await setup();
    await attempt(p, { client: client('203.0.113.7') });
    await attempt(p, { client: client('2001:db8:1:2::7') });
    clock.advance(15 * MINUTE);
    expect((await attempt(p, { client: client('203.0.113.200') })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { client: client('2001:db8:1:2:ffff::1') })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { client: client('2001:db8:1:3::7') })).rcpts[0]!.kind).toBe('defer');
  });

  it('keys on the SPF-validated domain when SPF passes (message.spf, set by the SPF check at MAIL)', async () => {
    const { clock, p } = await setup();
    const spf = { result: 'pass' as const, domain: 'sender.example' };
    await attempt(p, { client: client('192.0.2.1'), spf });
    clock.advance(15 * MINUTE);
    // The retry comes from another pool, far from the first address.
    expect((await attempt(p, { client: client('198.51.100.9'), spf })).rcpts[0]!.kind).toBe('continue');
    // Without a pass, the network counts again.
    expect((await attempt(p, { client: client('198.51.100.9'), spf: { result: 'softfail', domain: 'sender.example' } })).rcpts[0]!.kind).toBe('defer');
    // Turned off: keyed on the network even when SPF passes.
    const off = await setup({ greylisting: { enabled: true, spf_domain: false } });
    await attempt(off.p, { client: client('192.0.2.1'), spf });
    off.clock.advance(15 * MINUTE);
    expect((await attempt(off.p, { client: client('198.51.100.9'), spf })).rcpts[0]!.kind).toBe('defer');
  });

  it('never greylists authenticated clients, the null sender, allow lists, sender pools or a policy with greylisting: off', async () => {
    const { p } = await setup({
      greylisting: { enabled: true, allow_clients: ['198.51.100.0/24'], allow_senders: ['@friends.example'], sender_pools: { hostnames: ['.pool.example'] } },
      policies: [{ name: 'nogrey', match: { recipients: ['@nogrey.example'] }, greylisting: 'off' }],
    });
    expect((await attempt(p, { authenticated: true })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { sender: '' })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { client: client('198.51.100.20') })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { sender: 'x@friends.example' })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { client: client('192.0.2.99', 'out-1.pool.example') })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { client: client('209.85.220.41', 'unknown') })).rcpts[0]!.kind).toBe('continue'); // shipped Google network
    expect((await attempt(p, { client: client('192.0.2.98', 'mail-ed1-f41.google.com') })).rcpts[0]!.kind).toBe('continue');
    expect((await attempt(p, { rcpts: ['boss@nogrey.example'] })).rcpts[0]!.kind).toBe('continue');
    // The same client and sender to an ordinary recipient is greylisted.
    expect((await attempt(p, { client: client('192.0.2.97', 'evil.pool.example.net') })).rcpts[0]!.kind).toBe('defer');
  });

  it('score mode: greylists only a message at the greylist score, keyed on the message, not the network', async () => {
    const { clock, p } = await setup({ greylisting: { enabled: true, mode: 'score' }, thresholds: { greylist: 50 } });
    const ham = await attempt(p);
    expect(ham.rcpts[0]).toEqual({ kind: 'continue' });
    expect(ham.eom!.verdict.action).toBe('accept');
    const spam = { body: `buy\r\n${GTUBE}\r\n`, subject: 'offer', client: client('192.0.2.5') };
    const first = await attempt(p, spam);
    expect(first.rcpts[0]).toEqual({ kind: 'continue' });
    expect(first.eom!.verdict.action).toBe('tempfail');
    expect(first.eom!.verdict.reply?.text).toBe('Greylisted, please try again in 900 seconds');
    clock.advance(15 * MINUTE - 1);
    expect((await attempt(p, spam)).eom!.verdict.action).toBe('tempfail');
    clock.advance(1);
    // The retry from another pool address passes; marked as spam as usual, with the delay.
    const retry = await attempt(p, { ...spam, client: client('198.51.100.77') });
    expect(retry.eom!.verdict.action).toBe('mark');
    expect(symbols(retry)).toContain('GREYLIST_PASSED(after 15m)');
    // Another message (other subject) is greylisted on its own.
    expect((await attempt(p, { ...spam, subject: 'other' })).eom!.verdict.action).toBe('tempfail');
  });
});

describe('greylisting with the store gone', () => {
  const broken: KeyValueStore = {
    kind: 'redis',
    get: () => Promise.reject(new Error('redis 127.0.0.1:1: connection refused')),
    getMany: () => Promise.reject(new Error('redis 127.0.0.1:1: connection refused')),
    set: () => Promise.reject(new Error('down')),
    setIfAbsent: () => Promise.reject(new Error('down')),
    compareAndSet: () => Promise.reject(new Error('down')),
    delete: () => Promise.reject(new Error('down')),
    increment: () => Promise.reject(new Error('down')),
    take: () => Promise.reject(new Error('down')),
    close: async () => {},
  };

  it('fails open by default: the recipient passes and CHECK_FAILED names greylisting', async () => {
    const a = await attempt(pipeline(ON, broken, new TestClock()));
    expect(a.rcpts[0]).toEqual({ kind: 'continue' });
    expect(symbols(a).find((s) => s.startsWith('CHECK_FAILED'))).toContain('greylist');
  });

  it('defers with on_store_failure: tempfail, in both modes', async () => {
    const classic = await attempt(pipeline({ greylisting: { enabled: true, on_store_failure: 'tempfail' } }, broken, new TestClock()));
    expect(replyText(classic.rcpts[0])).toMatch(/^451 4\.7\.1 Message could not be checked/);
    const score = await attempt(pipeline({ greylisting: { enabled: true, mode: 'score', on_store_failure: 'tempfail' }, thresholds: { greylist: 1 } }, broken, new TestClock()), { body: `${GTUBE}\r\n` });
    expect(score.eom!.verdict.action).toBe('tempfail');
    const open = await attempt(pipeline({ greylisting: { enabled: true, mode: 'score' }, thresholds: { greylist: 1 } }, broken, new TestClock()), { body: `${GTUBE}\r\n` });
    expect(open.eom!.verdict.action).toBe('mark');
    expect(symbols(open).find((s) => s.startsWith('CHECK_FAILED'))).toContain('greylist');
  });
});
