import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { emptyResult, addSymbols } from '../../src/engine/result.js';
import { decide, policyFromConfig } from '../../src/policy/decide.js';
import { resultValue, statusValue } from '../../src/policy/headers.js';

function resultOf(...symbols: [string, number][]) {
  const r = emptyResult();
  addSymbols(r, symbols.map(([name, score]) => ({ name, score, description: name })));
  return r;
}

describe('decide', () => {
  const defaults = policyFromConfig(parseConfig({}));
  it('accepts below the spam threshold and marks at or above it', () => {
    expect(decide(resultOf(['A', 4.9]), defaults).action).toBe('accept');
    expect(decide(resultOf(['A', 2.5], ['B', 2.5]), defaults).action).toBe('mark');
  });
  it('never rejects unless a reject threshold is set', () => {
    expect(decide(resultOf(['GTUBE', 1000]), defaults).action).toBe('mark');
    const strict = policyFromConfig(parseConfig({ thresholds: { reject: 15 } }));
    const v = decide(resultOf(['GTUBE', 1000]), strict);
    expect(v.action).toBe('reject');
    expect(v.reply).toEqual({ code: 550, xcode: '5.7.1', text: 'Message rejected as spam' });
  });
  it('rounds float sums', () => {
    expect(decide(resultOf(['A', 0.1], ['B', 0.2]), defaults).score).toBe(0.3);
  });
  it('a symbol added twice counts once', () => {
    const r = resultOf(['A', 3]);
    addSymbols(r, [{ name: 'A', score: 3, description: 'A' }]);
    expect(r.score).toBe(3);
  });
});

describe('verdict headers', () => {
  const policy = policyFromConfig(parseConfig({}));
  it('renders X-Spam-Status', () => {
    expect(statusValue(decide(resultOf(['GTUBE', 1000]), policy))).toBe('Yes, score=1000.0 required=5.0');
    expect(statusValue(decide(resultOf(), policy))).toBe('No, score=0.0 required=5.0');
    expect(statusValue(decide(resultOf(['NEG', -1.25]), policy))).toBe('No, score=-1.3 required=5.0');
  });
  it('renders X-Spam-Result highest score first, folded with LF-tab below 78 columns', () => {
    const many = Array.from({ length: 12 }, (_, i) => [`SYMBOL_NUMBER_${i}`, i] as [string, number]);
    const value = resultValue(decide(resultOf(...many), policy));
    expect(value.startsWith('SYMBOL_NUMBER_11 (11.0), SYMBOL_NUMBER_10 (10.0),')).toBe(true);
    const lines = `X-Spam-Result: ${value}`.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.replace(/^\t/, '        ').length).toBeLessThanOrEqual(78);
    expect(value).not.toContain('\r');
    expect(value.split(/,\s*/)).toHaveLength(12);
  });
  it('says none when no symbol was found', () => {
    expect(resultValue(decide(resultOf(), policy))).toBe('none');
  });
});

describe('actions by threshold', () => {
  const policy = (thresholds: object) => policyFromConfig(parseConfig({ thresholds }));
  it('the highest threshold reached decides, whatever the action', () => {
    const p = policy({ spam: 5, quarantine: 10, reject: 15, discard: 30 });
    expect(decide(resultOf(['A', 4]), p).action).toBe('accept');
    expect(decide(resultOf(['A', 5]), p).action).toBe('mark');
    expect(decide(resultOf(['A', 12]), p).action).toBe('quarantine');
    expect(decide(resultOf(['A', 20]), p).action).toBe('reject');
    expect(decide(resultOf(['A', 1000]), p).action).toBe('discard');
    const inverted = policy({ spam: 5, reject: 8, quarantine: 12 });
    expect(decide(resultOf(['A', 13]), inverted).action).toBe('quarantine');
  });
  it('on equal thresholds the more final action wins', () => {
    expect(decide(resultOf(['A', 10]), policy({ quarantine: 10, tempfail: 10 })).action).toBe('tempfail');
    expect(decide(resultOf(['A', 10]), policy({ reject: 10, tempfail: 10 })).action).toBe('reject');
  });
  it('tempfail carries the 4xx reply, quarantine its reason with the score', () => {
    const t = decide(resultOf(['A', 10]), policy({ tempfail: 10 }));
    expect(t.reply).toEqual({ code: 451, xcode: '4.7.1', text: 'Message deferred, try again later' });
    const q = decide(resultOf(['A', 12.34]), policy({ quarantine: 10 }));
    expect(q.reason).toBe('Thresher: spam score 12.3');
  });
  it('the tag threshold decides whether ham gets headers; spam always does', () => {
    const p = policy({ tag: 2 });
    expect(decide(resultOf(['A', 1]), p).tagged).toBe(false);
    expect(decide(resultOf(['A', 2]), p).tagged).toBe(true);
    expect(decide(resultOf(['A', 1]), policy({ tag: 2, spam: 1 })).tagged).toBe(true);
  });
});
