import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { BodyTee, type BodySink } from '../../src/message/body-tee.js';
import { startServer } from '../../src/server/server.js';
import { MtaClient } from '../../protocol/testing/mta-client.js';
import { testEngine, testPipeline, testServices } from '../support/services.js';

/** A sink that records what it got; `gate` holds each write back until released. */
function recorder(name: string, limit: number, gate?: () => Promise<void>) {
  const got: Buffer[] = [];
  const events: string[] = [];
  const sink: BodySink = {
    name,
    limit,
    write(chunk) {
      got.push(chunk);
      return gate?.();
    },
    end(complete) {
      events.push(`end:${complete}`);
    },
    abort(reason) {
      events.push(`abort:${reason}`);
    },
  };
  return { sink, got, events, bytes: () => Buffer.concat(got).toString() };
}

describe('BodyTee', () => {
  it('gives every sink the chunks in order, each up to its own limit, and tells it when its limit cut the body', async () => {
    const tee = new BodyTee(1000);
    const all = recorder('all', 100);
    const small = recorder('small', 5);
    tee.attach(all.sink);
    tee.attach(small.sink);
    for (const chunk of ['abc', 'defg', 'hij']) await tee.write(Buffer.from(chunk));
    expect(tee.wantsMore).toBe(true);
    await tee.end();
    expect(all.bytes()).toBe('abcdefghij');
    expect(small.bytes()).toBe('abcde');
    expect(all.events).toEqual(['end:true']);
    expect(small.events).toEqual(['end:false']);
    expect(tee.failures).toEqual([]);
  });

  it('waits for a sink that applies back-pressure before it takes the next chunk', async () => {
    const tee = new BodyTee(1000);
    let release: () => void = () => {};
    const slow = recorder('slow', 100, () => new Promise<void>((r) => (release = r)));
    tee.attach(slow.sink);
    const pending = tee.write(Buffer.from('one'));
    expect(pending).toBeInstanceOf(Promise);
    let settled = false;
    void pending!.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    release();
    await pending;
    expect(settled).toBe(true);
  });

  it('drops a sink that throws, rejects or stalls, records why, and keeps serving the others', async () => {
    const tee = new BodyTee(50);
    const good = recorder('good', 100);
    const throwing: BodySink = { ...recorder('throwing', 100).sink, write: () => { throw new Error('disk full'); } };
    const rejecting = recorder('rejecting', 100, () => Promise.reject(new Error('scanner went away')));
    const stalled = recorder('stalled', 100, () => new Promise<void>(() => {}));
    for (const s of [good.sink, throwing, rejecting.sink, stalled.sink]) tee.attach(s);
    await tee.write(Buffer.from('first'));
    await tee.write(Buffer.from('second'));
    await tee.end();
    expect(good.bytes()).toBe('firstsecond');
    expect(tee.failures).toEqual([
      { name: 'throwing', reason: 'disk full' },
      { name: 'rejecting', reason: 'scanner went away' },
      { name: 'stalled', reason: 'stalled for 50 ms' },
    ]);
    expect(stalled.events).toEqual(['abort:stalled for 50 ms']);
    expect(stalled.got).toHaveLength(1);
  });
});

// Memory the process still holds after a full collection: RSS also counts chunks already
// received and not yet collected, which depends on the machine's load, not on what we keep.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function retainedBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('a body sink behind the milter server', () => {
  it('receives a 30 MB body whole and in order while the scan keeps only max_scan_bytes, in bounded memory', { timeout: 120_000 }, async () => {
    const config = parseConfig({});
    const seen = { bytes: 0, hash: createHash('sha256'), complete: undefined as boolean | undefined, scanned: 0, retained: [] as number[] };
    let baseline = 0;
    const sinkCheck: Check = {
      name: 'whole-body',
      stage: 'eom',
      symbols: { WHOLE_BODY: { score: 0, description: 'saw the whole body' } },
      openBody: () => ({
        name: 'whole-body',
        limit: 64 * 1024 * 1024,
        write(chunk) {
          const before = seen.bytes;
          seen.bytes += chunk.length;
          seen.hash.update(chunk);
          if (Math.floor(before / 5e6) !== Math.floor(seen.bytes / 5e6)) seen.retained.push(retainedBytes() - baseline);
        },
        end(complete) {
          seen.complete = complete;
        },
        abort() {},
      }),
      run: ({ message }) => {
        seen.scanned = message.scannedBytes;
        return [{ symbol: 'WHOLE_BODY' }];
      },
    };
    const services = testServices();
    const engine = new Engine([...testEngine(config).checks, sinkCheck], { services, scores: {}, checkTimeoutMs: 10_000 });
    const server = await startServer({ config, pipeline: { ...testPipeline(config), engine }, log: pino({ level: 'silent' }), listen: ['inet:127.0.0.1:0'] });
    const port = Number(server.addresses[0]!.split(':').pop());
    // A 30 MB body of distinct lines, so a chunk out of order changes the hash.
    const body = Buffer.alloc(30 * 1024 * 1024);
    for (let off = 0, n = 0; off < body.length; n++) off += body.write(`line ${n} of the big body\r\n`, off);
    const expected = createHash('sha256').update(body).digest('hex');
    baseline = retainedBytes();
    const c = await MtaClient.connect('127.0.0.1', port, { timeoutMs: 30_000 });
    try {
      await c.negotiate({ version: 6, actions: 0x1ff, protocol: 0x400 /* SMFIP_SKIP */ });
      const r = await c.sendMessage({ connect: { hostname: 'localhost', address: '127.0.0.1', port: 25 }, helo: 'localhost', from: 'a@example.org', rcpts: ['b@example.net'], headers: [['Subject', 'big']], body });
      expect(r.final).toBe('continue');
      // The sink needs every byte: the server must not have told the MTA to skip the rest.
      expect(r.skipped).toBe(false);
      expect(r.modifications.some((m) => m.kind === 'addheader' && m.name === 'X-Spam-Result' && m.value.includes('NOT_FULLY_SCANNED'))).toBe(true);
    } finally {
      await c.quit();
      await server.close();
    }
    expect(seen.bytes).toBe(body.length);
    expect(seen.hash.digest('hex')).toBe(expected);
    expect(seen.complete).toBe(true);
    expect(seen.scanned).toBeLessThanOrEqual(config.limits.max_scan_bytes);
    // Sampled every 5 MB: the server holds the scanned 4 MB (max_scan_bytes) and its buffers,
    // not the body. A server that kept the body would hold more at every later sample, so the
    // smallest of the last three (15 to 30 MB in) is the bound; one sample may catch a transient.
    expect(seen.retained).toHaveLength(6);
    expect(Math.min(...seen.retained.slice(-3))).toBeLessThan(10 * 1024 * 1024);
  });
});
