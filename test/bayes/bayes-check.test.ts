import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { learnId } from '../../src/bayes/identity.js';
import { tokenize } from '../../src/bayes/tokenize.js';
import { bayesCheck } from '../../src/checks/bayes.js';
import { BAYES_SYMBOLS, bandsOf } from '../../src/checks/bayes-bands.js';
import { parseConfig } from '../../src/config/load.js';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { emptyResult } from '../../src/engine/result.js';
import { messageFromRaw } from '../../src/message/parse.js';
import { MemoryTokenStore } from '../../src/store/memory-tokens.js';
import { testServices } from '../support/services.js';

const log = pino({ level: 'silent' });
const limits = { maxScanBytes: 1 << 20, maxHeaders: 100 };
const msg = (subject: string, body: string, id = `<${subject.replace(/\W/g, '')}@example.org>`) =>
  messageFromRaw(Buffer.from(`Message-ID: ${id}\nSubject: ${subject}\n\n${body}\n`), limits);

const spamText = (i: number) => msg(`cheap pills ${i}`, `buy cheap pills online now discount pharmacy offer ${i}`);
const hamText = (i: number) => msg(`meeting notes ${i}`, `the kernel patch review meeting is on thursday agenda ${i}`);

async function trained(spam: number, ham: number): Promise<MemoryTokenStore> {
  const store = new MemoryTokenStore();
  for (let i = 0; i < spam; i++) await store.learn(`s${i}`, tokenize(spamText(i)), 'spam');
  for (let i = 0; i < ham; i++) await store.learn(`h${i}`, tokenize(hamText(i)), 'ham');
  return store;
}

const config = (bayes: object) => parseConfig({ bayes });

async function scan(engine: Engine, message = spamText(999)) {
  const result = emptyResult();
  await engine.run('eom', message, result, log);
  return result;
}

describe('bandsOf', () => {
  it('maps probabilities to SpamAssassin\'s bands split at 50 %, BAYES_999 on top of BAYES_99', () => {
    expect(bandsOf(0)).toEqual(['BAYES_00']);
    expect(bandsOf(0.0099)).toEqual(['BAYES_00']);
    expect(bandsOf(0.01)).toEqual(['BAYES_05']);
    expect(bandsOf(0.45)).toEqual(['BAYES_45']);
    expect(bandsOf(0.5)).toEqual(['BAYES_50']);
    expect(bandsOf(0.6)).toEqual(['BAYES_60']);
    expect(bandsOf(0.97)).toEqual(['BAYES_95']);
    expect(bandsOf(0.995)).toEqual(['BAYES_99']);
    expect(bandsOf(0.9995)).toEqual(['BAYES_99', 'BAYES_999']);
    expect(bandsOf(1)).toEqual(['BAYES_99', 'BAYES_999']);
  });

  it('declares every band with its default score', () => {
    expect(Object.keys(BAYES_SYMBOLS)).toEqual(['BAYES_00', 'BAYES_05', 'BAYES_20', 'BAYES_40', 'BAYES_45', 'BAYES_50', 'BAYES_60', 'BAYES_80', 'BAYES_95', 'BAYES_99', 'BAYES_999', 'BAYES_SUBJECT_SPAM']);
    // Scores fall below 50 % and rise above it; a confident spam verdict alone reaches the default spam threshold.
    const scores = Object.values(BAYES_SYMBOLS).slice(0, -2).map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(BAYES_SYMBOLS.BAYES_00!.score).toBeLessThan(0);
    expect(BAYES_SYMBOLS.BAYES_40!.score).toBeLessThanOrEqual(0);
    expect(BAYES_SYMBOLS.BAYES_99!.score).toBeGreaterThanOrEqual(5);
  });
});

describe('bayes check', () => {
  const engineWith = (check: Check, scores: Record<string, number> = {}) => new Engine([check], { services: testServices(), scores, checkTimeoutMs: 1000 });

  it('adds no symbol until min_learned of each class are learned', async () => {
    const c = config({ min_learned: { spam: 20, ham: 20 } });
    const short = await scan(engineWith(bayesCheck(c.bayes, await trained(20, 19))));
    expect(short.symbols).toEqual([]);
    const enough = await scan(engineWith(bayesCheck(c.bayes, await trained(20, 20))));
    expect(enough.symbols.map((s) => s.name)).toEqual(['BAYES_99', 'BAYES_999', 'BAYES_SUBJECT_SPAM']);
    expect(enough.symbols[0]!.detail).toMatch(/^p=(0\.999\d|1\.0000); buy=0\.99, /);
  });

  it('classifies the Subject and From name alone too: a spam subject over a padded body still shows', async () => {
    const c = config({ min_learned: { spam: 5, ham: 5 } });
    const check = bayesCheck(c.bayes, await trained(30, 30));
    const padded = msg('cheap pills 1000', 'the kernel patch review meeting is on thursday agenda 1000');
    const result = await scan(engineWith(check), padded);
    const names = result.symbols.map((s) => s.name);
    expect(names).toContain('BAYES_SUBJECT_SPAM');
    expect(names.some((n) => ['BAYES_99', 'BAYES_999', 'BAYES_95', 'BAYES_80'].includes(n))).toBe(false);
    const ham = await scan(engineWith(check), hamText(1001));
    expect(ham.symbols.map((s) => s.name)).not.toContain('BAYES_SUBJECT_SPAM');
  });

  it('finds ham as ham, and band scores can be overridden under scores:', async () => {
    const c = config({ min_learned: { spam: 5, ham: 5 } });
    const result = await scan(engineWith(bayesCheck(c.bayes, await trained(30, 30)), { BAYES_00: -3 }), hamText(1000));
    expect(result.symbols.map((s) => [s.name, s.score])).toEqual([['BAYES_00', -3]]);
  });

  it('autolearns by the score without BAYES_* symbols, only when enabled', async () => {
    const loud: Check = { name: 'loud', stage: 'eom', symbols: { LOUD: { score: 15, description: 'loud' } }, run: () => [{ symbol: 'LOUD' }] };
    for (const enabled of [false, true]) {
      const store = await trained(5, 5);
      const c = config({ min_learned: { spam: 1, ham: 1 }, autolearn: { enabled, spam_at: 12, ham_at: -1 } });
      const engine = new Engine([loud, bayesCheck(c.bayes, store)], { services: testServices(), scores: {}, checkTimeoutMs: 1000 });
      const message = msg('brand new', 'never seen words here');
      const result = await scan(engine, message);
      await engine.afterScan(message, result, log);
      expect(await store.totals()).toEqual(enabled ? { spam: 6, ham: 5 } : { spam: 5, ham: 5 });
      // Learned under the message's id: learning it again changes nothing.
      expect(await store.learn(learnId(message), tokenize(message), 'spam')).toBe(enabled ? 'unchanged' : 'learned');
    }
  });

  it('does not autolearn from a Bayes-only score, nor when a check failed', async () => {
    const store = await trained(30, 30);
    const c = config({ min_learned: { spam: 1, ham: 1 }, autolearn: { enabled: true, spam_at: 3, ham_at: -100 } });
    const engine = engineWith(bayesCheck(c.bayes, store));
    const message = spamText(5000);
    const result = await scan(engine, message);
    expect(result.score).toBeGreaterThanOrEqual(3); // BAYES_99 + BAYES_999
    await engine.afterScan(message, result, log);
    expect(await store.totals()).toEqual({ spam: 30, ham: 30 });
    const failed = { ...result, score: 50, failures: [{ check: 'dnsbl', reason: 'timeout', policy: 'open' as const }] };
    await engine.afterScan(message, failed, log);
    expect(await store.totals()).toEqual({ spam: 30, ham: 30 });
  });

  it('learns ham at or below ham_at', async () => {
    const store = await trained(5, 5);
    const c = config({ min_learned: { spam: 100, ham: 100 }, autolearn: { enabled: true, spam_at: 12, ham_at: 0 } });
    const engine = engineWith(bayesCheck(c.bayes, store));
    const message = hamText(77);
    const result = await scan(engine, message);
    await engine.afterScan(message, result, log);
    expect(await store.totals()).toEqual({ spam: 5, ham: 6 });
  });
});

describe('learnId', () => {
  it('is the same for LF and CRLF copies of a message, different for another body', () => {
    const lf = messageFromRaw(Buffer.from('Message-ID: <a@b>\nSubject: x\n\nline one\nline two\n'), limits);
    const crlf = messageFromRaw(Buffer.from('Message-ID: <a@b>\r\nSubject: x\r\n\r\nline one\r\nline two\r\n'), limits);
    const other = messageFromRaw(Buffer.from('Message-ID: <a@b>\nSubject: x\n\nline one\nline 2\n'), limits);
    expect(learnId(lf)).toBe(learnId(crlf));
    expect(learnId(lf)).not.toBe(learnId(other));
  });
});

describe('config', () => {
  it('has documented defaults and refuses ham_at at or above spam_at', () => {
    const c = parseConfig({});
    expect(c.data_dir).toBe('/var/lib/thresher');
    expect(c.bayes.enabled).toBe(true);
    expect(c.bayes.min_learned).toEqual({ spam: 200, ham: 200 });
    expect(c.bayes.autolearn.enabled).toBe(false);
    expect(() => parseConfig({ bayes: { autolearn: { spam_at: 1, ham_at: 1 } } })).toThrow(/ham_at must be below spam_at/);
    expect(() => parseConfig({ data_dir: 'relative/dir' })).toThrow(/absolute path/);
  });
});
