import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { emptyResult } from '../../src/engine/result.js';
import { Message } from '../../src/message/message.js';
import { testServices } from '../support/services.js';

const log = pino({ level: 'silent' });
const limits = { maxScanBytes: 1 << 20, maxHeaders: 100 };

const sync: Check = {
  name: 'sync',
  stage: 'eom',
  symbols: { SYNC_HIT: { score: 2.5, description: 'sync' } },
  run: () => [{ symbol: 'SYNC_HIT', detail: 'x' }],
};
const slow: Check = {
  name: 'slow',
  stage: 'eom',
  symbols: { SLOW_HIT: { score: 3, description: 'slow' } },
  run: ({ signal }) =>
    new Promise((resolve) => {
      const t = setTimeout(() => resolve([{ symbol: 'SLOW_HIT' }]), 5000);
      signal.addEventListener('abort', () => clearTimeout(t));
    }),
};
const broken: Check = {
  name: 'broken',
  stage: 'eom',
  symbols: { NEVER: { score: 1, description: 'never' } },
  run: async () => {
    throw new Error('scanner unreachable');
  },
};

describe('Engine', () => {
  it('scores hits with default scores and config overrides', async () => {
    const engine = new Engine([sync], { services: testServices(), scores: { SYNC_HIT: 7 }, checkTimeoutMs: 100 });
    const result = emptyResult();
    await engine.run('eom', new Message(limits), result, log);
    expect(result.symbols).toEqual([{ name: 'SYNC_HIT', score: 7, description: 'sync', detail: 'x' }]);
    expect(result.score).toBe(7);
  });

  it('records a check that times out or throws, adds no symbol for it, and keeps the others', async () => {
    const engine = new Engine([sync, slow, broken], { services: testServices(), scores: {}, checkTimeoutMs: 50 });
    const result = emptyResult();
    const started = Date.now();
    await engine.run('eom', new Message(limits), result, log);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.symbols.map((s) => s.name)).toEqual(['SYNC_HIT', 'CHECK_FAILED']);
    expect(result.symbols[1]!.detail).toBe('slow: timeout; broken: scanner unreachable');
    expect(result.failures).toEqual([
      { check: 'slow', reason: 'timeout', policy: 'open' },
      { check: 'broken', reason: 'scanner unreachable', policy: 'open' },
    ]);
  });

  it('gives each check its own time limit and failure policy, and reports each run to the metrics observer', async () => {
    vi.useFakeTimers();
    try {
      const seen: string[] = [];
      const services = testServices({ metrics: { check: (name, _s, outcome) => seen.push(`${name}:${outcome}`), stage() {}, verdict() {} } });
      // The engine-wide limit is long; the scanner's own is short, and it fails closed.
      const scanner: Check = { ...slow, name: 'scanner', timeoutMs: 200, onFailure: 'tempfail' };
      const engine = new Engine([sync, scanner, broken], { services, scores: {}, checkTimeoutMs: 60_000 });
      const result = emptyResult();
      const run = engine.run('eom', new Message(limits), result, log);
      await vi.advanceTimersByTimeAsync(199);
      expect(seen).not.toContain('scanner:timeout');
      await vi.advanceTimersByTimeAsync(1);
      await run;
      expect(result.failures).toEqual([
        { check: 'scanner', reason: 'timeout', policy: 'tempfail' },
        { check: 'broken', reason: 'scanner unreachable', policy: 'open' },
      ]);
      expect(seen.sort()).toEqual(['broken:failed', 'scanner:timeout', 'sync:ok']);
      expect(engine.failurePolicy('scanner')).toBe('tempfail');
      expect(engine.failurePolicy('sync')).toBe('open');
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a score override for a symbol no check declares', () => {
    expect(() => new Engine([sync], { services: testServices(), scores: { TYPO: 1 }, checkTimeoutMs: 50 })).toThrow(/unknown symbol TYPO/);
  });

  it('refuses two checks declaring the same symbol', () => {
    expect(() => new Engine([sync, { ...sync, name: 'copy' }], { services: testServices(), scores: {}, checkTimeoutMs: 50 })).toThrow(/two checks/);
  });

  it('knows which stages have checks', () => {
    const engine = new Engine([sync], { services: testServices(), scores: {}, checkTimeoutMs: 50 });
    expect(engine.hasStage('eom')).toBe(true);
    expect(engine.hasStage('rcpt')).toBe(false);
  });
});

describe('Engine: disabled symbols', () => {
  it('never emits a disabled symbol, and does not run a check whose symbols are all disabled', async () => {
    let ran = 0;
    const counted: Check = { ...sync, name: 'counted', run: () => { ran++; return [{ symbol: 'SYNC_HIT' }]; } };
    const engine = new Engine([counted], { services: testServices(), scores: {}, disabled: ['SYNC_HIT'], checkTimeoutMs: 50 });
    const result = emptyResult();
    await engine.run('eom', new Message(limits), result, log);
    expect(result.symbols).toEqual([]);
    expect(ran).toBe(0);
    expect(engine.hasStage('eom')).toBe(false);
  });

  it('refuses to disable a symbol no check declares', () => {
    expect(() => new Engine([sync], { services: testServices(), scores: {}, disabled: ['TYPO'], checkTimeoutMs: 50 })).toThrow(/disabled_symbols: unknown symbol TYPO/);
  });
});

describe('symbols named at run time (Check.symbolPrefixes)', () => {
  const remote: Check = {
    name: 'remote',
    stage: 'eom',
    family: 'virus',
    symbols: { REMOTE_DONE: { score: 0, description: 'done' } },
    symbolPrefixes: { RM_: { score: 0.5, description: 'a rule of the remote scanner' } },
    run: () => [{ symbol: 'REMOTE_DONE' }, { symbol: 'RM_FIRST', detail: 'a' }, { symbol: 'RM_SECOND' }],
  };

  it('scores each with the prefix default or its own score from scores:, and knows its family', async () => {
    const engine = new Engine([remote], { services: testServices(), scores: { RM_SECOND: 3 }, checkTimeoutMs: 100 });
    const result = emptyResult();
    await engine.run('eom', new Message(limits), result, log);
    expect(result.symbols.map((s) => [s.name, s.score, s.description])).toEqual([
      ['REMOTE_DONE', 0, 'done'],
      ['RM_FIRST', 0.5, 'a rule of the remote scanner'],
      ['RM_SECOND', 3, 'a rule of the remote scanner'],
    ]);
    expect(engine.familyOf('RM_FIRST')).toBe('virus');
  });

  it('takes disabled_symbols for them, and refuses names that are neither declared nor prefixed', async () => {
    const engine = new Engine([remote], { services: testServices(), scores: {}, disabled: ['RM_FIRST'], checkTimeoutMs: 100 });
    const result = emptyResult();
    await engine.run('eom', new Message(limits), result, log);
    expect(result.symbols.map((s) => s.name)).toEqual(['REMOTE_DONE', 'RM_SECOND']);
    expect(() => new Engine([remote], { services: testServices(), scores: { RM_: 1 }, checkTimeoutMs: 100 })).toThrow(/scores: unknown symbol RM_/);
    expect(() => new Engine([remote], { services: testServices(), scores: { OTHER_X: 1 }, checkTimeoutMs: 100 })).toThrow(/unknown symbol OTHER_X/);
  });

  it('refuses a declared symbol or another prefix that overlaps a prefix', () => {
    const clash: Check = { name: 'clash', stage: 'eom', symbols: { RM_OWN: { score: 1, description: 'x' } }, run: () => [] };
    expect(() => new Engine([remote, clash], { services: testServices(), scores: {}, checkTimeoutMs: 100 })).toThrow(/RM_OWN has the prefix/);
    const overlap: Check = { name: 'overlap', stage: 'eom', symbols: {}, symbolPrefixes: { RM_X: { score: 0, description: 'x' } }, run: () => [] };
    expect(() => new Engine([remote, overlap], { services: testServices(), scores: {}, checkTimeoutMs: 100 })).toThrow(/prefix RM_X overlaps/);
  });
});
