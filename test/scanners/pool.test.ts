import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clamavSchema } from '../../src/config/clamav.js';
import { Limiter } from '../../src/scanners/limiter.js';
import { ServerPool } from '../../src/scanners/pool.js';
import { noMetrics } from '../../src/scan/services.js';

const log = pino({ level: 'silent' });

describe('Limiter', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('takes at most max at once; a waiter gets a freed slot in order, or gives up after its wait', async () => {
    const l = new Limiter(2);
    expect(l.acquire(100)).toBe(true);
    expect(l.acquire(100)).toBe(true);
    const first = l.acquire(100) as Promise<boolean>;
    const second = l.acquire(100) as Promise<boolean>;
    l.release();
    await expect(first).resolves.toBe(true);
    expect(l.inUse).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    await expect(second).resolves.toBe(false);
    l.release();
    l.release();
    expect(l.inUse).toBe(0);
  });
});

describe('ServerPool', () => {
  let now = 0;
  const states: string[] = [];
  const pool = (servers: string[], over: object = {}) =>
    new ServerPool('clamd', clamavSchema.parse({ servers, max_concurrent: 1, queue_wait_seconds: 0.05, breaker: { failures: 2, window_seconds: 10, cooldown_seconds: 30 }, ...over }), {
      clock: { now: () => now },
      log,
      metrics: { ...noMetrics, scannerState: (_s, server, state) => void states.push(`${server} ${state}`) },
    });

  it('spreads scans over the servers in turn and fails over past the ones tried', async () => {
    const p = pool(['inet:127.0.0.1:1', 'inet:127.0.0.1:2']);
    const a = await p.lease();
    const b = await p.lease();
    expect([a.server.name, b.server.name]).toEqual(['inet:127.0.0.1:1', 'inet:127.0.0.1:2']);
    a.done('ok');
    b.done('ok');
    const c = await p.lease(new Set([p.servers[1]!]));
    expect(c.server.name).toBe('inet:127.0.0.1:1');
    c.done('ok');
    await expect(p.lease(new Set(p.servers))).rejects.toThrow(/no clamd server available \(2 failed\)/);
  });

  it('a busy server (all slots taken past queue_wait_seconds) is skipped for the next', async () => {
    const p = pool(['inet:127.0.0.1:1', 'inet:127.0.0.1:2']);
    const held = await p.lease();
    const other = await p.lease();
    expect(other.server).not.toBe(held.server);
    await expect(p.lease()).rejects.toThrow(/2 busy/);
    held.done('ok');
    other.done('ok');
  });

  it('failures open the breaker (logged and exported once); while all are open leasing fails at once; one probe after the cool-down', async () => {
    states.length = 0;
    const p = pool(['inet:127.0.0.1:1']);
    (await p.lease()).done('failed');
    (await p.lease()).done('failed');
    expect(p.allDisabled).toBe(true);
    expect(states).toEqual(['inet:127.0.0.1:1 closed', 'inet:127.0.0.1:1 open']);
    await expect(p.lease()).rejects.toThrow(/1 disabled/);
    now += 30_000;
    const probe = await p.lease();
    await expect(p.lease()).rejects.toThrow(/no clamd server available/);
    probe.done('refused');
    expect(states.slice(-2)).toEqual(['inet:127.0.0.1:1 half-open', 'inet:127.0.0.1:1 closed']);
    expect(p.allDisabled).toBe(false);
  });

  it('a server coming out of its cool-down must pass the health check before a scan is risked on it', async () => {
    let healthy = false;
    const checked: string[] = [];
    const p = new ServerPool('clamd', clamavSchema.parse({ servers: ['inet:127.0.0.1:1'], breaker: { failures: 1, cooldown_seconds: 30 } }), {
      clock: { now: () => now },
      log,
      metrics: noMetrics,
      healthCheck: async (server) => {
        checked.push(server.name);
        if (!healthy) throw new Error('no PONG');
      },
    });
    (await p.lease()).done('failed');
    expect(checked).toEqual([]);
    now += 30_000;
    // The probe's zPING fails: no scan is leased, and the server is disabled for another cool-down.
    await expect(p.lease()).rejects.toThrow(/1 disabled/);
    expect(checked).toEqual(['inet:127.0.0.1:1']);
    expect(p.servers[0]!.breaker.state).toBe('open');
    healthy = true;
    now += 30_000;
    const probe = await p.lease();
    expect(checked).toHaveLength(2);
    probe.done('ok');
    expect(p.servers[0]!.breaker.state).toBe('closed');
    // Closed: scans go straight through, no health check.
    (await p.lease()).done('ok');
    expect(checked).toHaveLength(2);
  });
});
