import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MtaClient, type MessageResult } from '../../protocol/testing/mta-client.js';
import { parseConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openStores, type Stores } from '../../src/store/open.js';
import { testPipeline, testServices } from '../support/services.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';
import { startRedis, type RedisServer } from './support/redis.js';

// A server whose Bayes lives in a real Redis, with Redis stopped under it: each message still
// gets its answer within the store's time limit, scored without Bayes and saying so
// (CHECK_FAILED); once Redis is back on its port, the next messages use it again.

const TIMEOUT_MS = 300;

let redis: RedisServer;
let stores: Stores;
let server: RunningServer;
let port: number;

beforeAll(async () => {
  redis = await startRedis();
  const config = parseConfig({ store: redis.url, redis: { timeout_ms: TIMEOUT_MS, key_prefix: 'down:' }, bayes: { min_learned: { spam: 1, ham: 1 } } });
  stores = await openStores(config, { create: true, dataDir: tempDir('redis-down') });
  await stores.tokens!.learn('spam-1', ['cheap', 'pills', 'viagra'], 'spam');
  await stores.tokens!.learn('ham-1', ['meeting', 'agenda', 'minutes'], 'ham');
  const pipeline = testPipeline(config, { tokens: stores.tokens, services: testServices({ store: stores.kv }) });
  server = await startServer({ config, pipeline, log: pino({ level: 'silent' }), listen: ['inet:127.0.0.1:0'] });
  port = Number(server.addresses[0]!.split(':').pop());
});

afterAll(async () => {
  await server?.close();
  await stores?.close();
  await redis?.dispose();
  removeTempDirs();
});

async function send(): Promise<{ result: MessageResult; ms: number; symbols: string }> {
  const c = await MtaClient.connect('127.0.0.1', port, { timeoutMs: 10_000 });
  try {
    await c.negotiate({ version: 6, actions: 0x1ff, protocol: 0 });
    const t0 = performance.now();
    const result = await c.sendMessage({ connect: { hostname: 'localhost', address: '127.0.0.1', port: 25 }, helo: 'localhost', from: 'a@example.org', rcpts: ['b@example.net'], headers: [['Subject', 'agenda']], body: 'The meeting agenda and minutes.\r\n' });
    const ms = performance.now() - t0;
    const mod = result.modifications.find((m) => m.kind === 'addheader' && m.name === 'X-Spam-Result');
    return { result, ms, symbols: mod && 'value' in mod ? mod.value : '' };
  } finally {
    await c.quit();
  }
}

describe('Bayes on Redis when Redis stops and comes back', () => {
  it('answers every message, fails open with CHECK_FAILED while Redis is down, and uses Redis again once it is back', { timeout: 60_000 }, async () => {
    const before = await send();
    expect(before.result.final).toBe('continue');
    expect(before.symbols).toContain('BAYES_');
    expect(before.symbols).not.toContain('CHECK_FAILED');

    await redis.stop();
    const down = await send();
    expect(down.result.final).toBe('continue');
    expect(down.symbols).toContain('CHECK_FAILED');
    expect(down.symbols).not.toContain('BAYES_');
    // The store's time limit, not a hang: generous slack for a loaded machine.
    expect(down.ms).toBeLessThan(TIMEOUT_MS + 3000);

    await redis.restart();
    const deadline = Date.now() + 10_000;
    let after = await send();
    while (after.symbols.includes('CHECK_FAILED') && Date.now() < deadline) after = await send();
    expect(after.symbols).not.toContain('CHECK_FAILED');
    // The test's Redis keeps nothing across a restart: learn again, and Bayes votes from it.
    await stores.tokens!.learn('spam-1', ['cheap', 'pills', 'viagra'], 'spam');
    await stores.tokens!.learn('ham-1', ['meeting', 'agenda', 'minutes'], 'ham');
    expect((await send()).symbols).toContain('BAYES_');
  });
});
