// Bad-session defence with the injected clock on a real SQLite store: connections per
// interval, concurrent sessions, bad events, the block and its end, the allow list.
import { afterAll, describe, expect, it } from 'vitest';
import { Transaction } from '../../../src/scan/transaction.js';
import type { Pipeline } from '../../../src/scan/pipeline.js';
import type { KeyValueStore } from '../../../src/store/kv.js';
import { removeTempDirs } from '../../support/temp-dirs.js';
import { attempt, client, log, MINUTE, newStore, pipeline, replyText, TestClock } from './support.js';

afterAll(removeTempDirs);
const stores: KeyValueStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

const setup = async (bad: object) => {
  const clock = new TestClock();
  const made = await newStore('sqlite', clock);
  stores.push(made.store);
  const raw = { bad_sessions: { enabled: true, ...bad } };
  const other = await made.reopen();
  stores.push(other);
  return { clock, p: pipeline(raw, made.store, clock), q: pipeline(raw, other, clock) };
};

const open = async (p: Pipeline, address = '192.0.2.10') => {
  const tx = new Transaction(() => p, log);
  return { tx, d: await tx.connect(client(address)) };
};

describe('bad sessions', () => {
  it('blocks a client over the connections per interval with 421 4.7.0 for the block time, on every store sharing the data', async () => {
    const { clock, p, q } = await setup({ connections: { max: 3, per: '1m' }, block: '15m', events: { no_message: false } });
    for (let i = 0; i < 3; i++) expect((await attempt(p)).connect).toEqual({ kind: 'continue' });
    const fourth = await attempt(p);
    expect(replyText(fourth.connect)).toBe('421 4.7.0 Too many connections or errors from your address, try again later');
    expect(fourth.connect).toMatchObject({ symbol: 'BAD_SESSION_BLOCKED' });
    // Another host on the same store enforces it; another client is not affected.
    expect((await attempt(q)).connect.kind).toBe('defer');
    expect((await attempt(q, { client: client('192.0.2.11') })).connect.kind).toBe('continue');
    clock.advance(15 * MINUTE - 1);
    expect((await attempt(p)).connect.kind).toBe('defer');
    clock.advance(1);
    expect((await attempt(p)).connect.kind).toBe('continue');
  });

  it('refuses sessions over the concurrent limit without a block, and counts a closed one out', async () => {
    const { p } = await setup({ concurrent: 2, connections: { max: null }, events: { no_message: false } });
    const a = await open(p);
    const b = await open(p);
    expect([a.d.kind, b.d.kind]).toEqual(['continue', 'continue']);
    const c = await open(p);
    expect(c.d).toMatchObject({ kind: 'defer', symbol: 'TOO_MANY_SESSIONS' });
    c.tx.reset();
    a.tx.reset();
    await p.background.drain();
    const d = await open(p);
    expect(d.d.kind).toBe('continue');
    b.tx.close(); // the connection dropped without QUIT
    d.tx.reset();
    await p.background.drain();
    expect((await open(p)).d.kind).toBe('continue');
  });

  it('blocks after too many bad events: protocol errors, rejected recipients, sessions without a message', async () => {
    const { clock, p } = await setup({ connections: { max: null }, bad_events: { max: 3, per: '10m' } });
    const s = await open(p);
    s.tx.protocolError();
    s.tx.protocolError();
    await p.background.drain();
    expect((await open(p)).d.kind).toBe('continue'); // 2 events
    s.tx.reset(); // a session without a message: the third
    await p.background.drain();
    const rej = { rcpts: ['x@example.net'], sender: 'spam@blocked.example' };
    const withList = pipeline({ bad_sessions: { enabled: true, connections: { max: null }, bad_events: { max: 3, per: '10m' } }, lists: { sender_block: ['blocked.example'] } }, p.services.store, clock);
    // The fourth: a refused sender is refused at MAIL (not a recipient): the session ends without a message.
    expect((await attempt(withList, rej)).mail!.kind).toBe('block');
    const blocked = await attempt(p);
    expect(blocked.connect).toMatchObject({ kind: 'defer', symbol: 'BAD_SESSION_BLOCKED' });
  });

  it('counts a recipient refused at RCPT, not one deferred by greylisting', async () => {
    const { p } = await setup({ connections: { max: null }, bad_events: { max: 1, per: '10m' }, events: { no_message: false } });
    const raw = { bad_sessions: { enabled: true, connections: { max: null }, bad_events: { max: 1, per: '10m' }, events: { no_message: false } }, greylisting: { enabled: true }, lists: { recipients: { 'boss@example.net': { sender_block: ['sender.example'] } } } };
    const q = pipeline(raw, p.services.store, p.services.clock);
    for (let i = 0; i < 3; i++) expect((await attempt(q, { sender: `n${i}x@sender.example`, rcpts: ['bob@example.net'] })).rcpts[0]!.kind).toBe('defer');
    expect((await attempt(q)).connect.kind).toBe('continue');
    const refused = await attempt(q, { rcpts: ['boss@example.net'] });
    expect(refused.rcpts[0]!.kind).toBe('block');
    expect((await attempt(q)).connect.kind).toBe('continue'); // one event: the limit
    await attempt(q, { rcpts: ['boss@example.net'] });
    expect((await attempt(q)).connect).toMatchObject({ kind: 'defer', symbol: 'BAD_SESSION_BLOCKED' });
  });

  it('never counts nor blocks allow-listed networks', async () => {
    const { p } = await setup({ connections: { max: 1, per: '1h' }, allow: ['192.0.2.0/24'] });
    for (let i = 0; i < 5; i++) expect((await attempt(p)).connect.kind).toBe('continue');
    expect((await attempt(p, { client: client('198.51.100.1') })).connect.kind).toBe('continue');
    expect((await attempt(p, { client: client('198.51.100.1') })).connect.kind).toBe('defer');
  });

  // Postfix re-injecting mail, or a content filter on the same host, is one loopback client
  // carrying everyone's mail: counted, it was blocked after its first burst.
  it('by default never counts nor blocks loopback; an explicit allow list replaces the default', async () => {
    const bad = { connections: { max: 1, per: '1h' }, concurrent: 1, events: { no_message: false } };
    const { p } = await setup(bad);
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      for (let i = 0; i < 3; i++) expect((await attempt(p, { client: client(address) })).connect.kind).toBe('continue');
      const [a, b] = [await open(p, address), await open(p, address)];
      expect([a.d.kind, b.d.kind]).toEqual(['continue', 'continue']);
    }
    expect((await attempt(p, { client: client('192.0.2.20') })).connect.kind).toBe('continue');
    expect((await attempt(p, { client: client('192.0.2.20') })).connect).toMatchObject({ kind: 'defer', symbol: 'BAD_SESSION_BLOCKED' });

    for (const allow of [[], ['192.0.2.0/24']]) {
      const { p: q } = await setup({ ...bad, allow });
      expect((await attempt(q, { client: client('127.0.0.1') })).connect.kind).toBe('continue');
      expect((await attempt(q, { client: client('127.0.0.1') })).connect).toMatchObject({ kind: 'defer', symbol: 'BAD_SESSION_BLOCKED' });
    }
  });
});
