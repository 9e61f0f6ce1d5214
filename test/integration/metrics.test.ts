import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MtaClient } from '../../protocol/testing/mta-client.js';
import { freePort } from './support/proc.js';
import { startThresher, type Thresher } from './support/thresher.js';

// Prometheus metrics scraped from a running server (the built CLI) after real milter sessions,
// and parsed as a Prometheus server would read the text format.

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition format 0.0.4: `name{a="x",b="y"} value`, comments skipped. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('Prometheus metrics', () => {
  let t: Thresher;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    t = await startThresher(`metrics:\n  listen: 127.0.0.1:${metricsPort}\nthresholds:\n  reject: 100\n`);
    await t.waitForLog('serving metrics');
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('serves messages by action, latencies, check and symbol counts, connections and build info', async () => {
    const c = await MtaClient.connect('127.0.0.1', t.port, { timeoutMs: 10_000 });
    const send = (body: string) =>
      c.sendMessage({ connect: { hostname: 'localhost', address: '127.0.0.1', port: 25 }, helo: 'localhost', from: 'a@example.org', rcpts: ['b@example.net'], headers: [['Subject', 'hi']], body });
    try {
      await c.negotiate({ version: 6, actions: 0x1ff, protocol: 0 });
      expect((await send('Hello there.\r\n')).final).toBe('continue');
      expect((await send(`${GTUBE}\r\n`)).final).toBe('replycode');
    } finally {
      await c.quit();
    }
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const { samples, types } = parse(await res.text());
    expect(value(samples, 'thresher_messages_total', { action: 'reject' })).toBe(1);
    expect(value(samples, 'thresher_messages_total', { action: 'accept' })).toBe(1);
    expect(value(samples, 'thresher_symbol_hits_total', { symbol: 'GTUBE' })).toBe(1);
    expect(types.get('thresher_message_duration_seconds')).toBe('histogram');
    expect(value(samples, 'thresher_message_duration_seconds_count')).toBe(2);
    expect(value(samples, 'thresher_check_duration_seconds_count', { check: 'gtube' })).toBe(2);
    expect(types.get('thresher_check_failures_total')).toBe('counter');
    expect(value(samples, 'thresher_connections_total')).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'thresher_build_info', { version: '0.1.0' })).toBe(1);
    expect(value(samples, 'thresher_process_resident_memory_bytes')).toBeGreaterThan(0);
    // Nothing but /metrics is served.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
  });
});
