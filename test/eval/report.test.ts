import { describe, expect, it } from 'vitest';
import { bins, histogramSvg, HISTOGRAM_MAX, HISTOGRAM_MIN } from '../../src/eval/histogram.js';
import { buildReport, reportText } from '../../src/eval/report.js';
import { summarize, type ScoredMessage } from '../../src/eval/summary.js';
import { symbolsTsv } from '../../src/eval/symbols-table.js';

function scored(label: 'spam' | 'ham', score: number, source = 'a', fold = 0, symbols: string[] = []): ScoredMessage {
  return { path: `${source}/${label}/${score}`, source, label, fold, score, symbols: symbols.map((name) => ({ name, score: 1 })) };
}

const messages = [
  scored('spam', 12, 'a', 0, ['BIG', 'MONEY']),
  scored('spam', 5, 'a', 1, ['BIG']),
  scored('spam', 4.9, 'b', 1, ['MONEY']),
  scored('spam', 1000, 'b', 0),
  scored('ham', 5.5, 'a', 0, ['BIG']),
  scored('ham', -3, 'a', 1),
  scored('ham', 0, 'b', 0),
];

/** Checks that tags open and close in order: a rough well-formedness test for our own output. */
function balancedTags(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

describe('summary', () => {
  it('counts at or above the threshold, per source and fold', () => {
    const s = summarize(messages, 5, 2);
    expect(s.overall).toEqual({ spam: { hits: 3, total: 4 }, ham: { hits: 1, total: 3 } });
    expect(s.sources.b).toEqual({ spam: { hits: 1, total: 2 }, ham: { hits: 0, total: 1 } });
    expect(s.folds[1]).toEqual({ spam: { hits: 1, total: 2 }, ham: { hits: 0, total: 1 } });
  });

  it('prints the same counts the report holds', () => {
    const report = buildReport(messages, { folds: 2, seed: 0, threshold: 5, keepArtefacts: false, config: null });
    const text = reportText(report);
    expect(text).toMatch(/^ {2}a +spam +2\/2 +100\.00% +ham +1\/2 +50\.00%$/m);
    expect(text).toMatch(/^ {2}overall +spam +3\/4 +75\.00% +ham +1\/3 +33\.33%$/m);
    expect(report.summaries.map((s) => s.threshold)).toEqual([5, 3, 4, 6, 8, 10]);
  });
});

describe('histogram', () => {
  it('clamps scores into the outermost bins', () => {
    const b = bins(messages);
    expect(b[0]!.from).toBe(HISTOGRAM_MIN);
    expect(b[b.length - 1]!.spam).toBe(1); // the 1000
    expect(b.reduce((n, x) => n + x.spam + x.ham, 0)).toBe(messages.length);
    expect(b.length).toBe(HISTOGRAM_MAX - HISTOGRAM_MIN);
  });

  it('is well-formed SVG with one bar per non-empty bin and label, a threshold line and axis labels', () => {
    const svg = histogramSvg(messages, 5, 'test <run>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balancedTags(svg)).toBe(true);
    const nonEmpty = bins(messages).reduce((n, b) => n + (b.spam > 0 ? 1 : 0) + (b.ham > 0 ? 1 : 0), 0);
    expect(svg.match(/class="bar (spam|ham)"/g)).toHaveLength(nonEmpty);
    expect(svg).toContain('class="threshold"');
    expect(svg).toContain('>score</text>');
    expect(svg).toContain('messages (log scale)');
    expect(svg).toContain('test &lt;run&gt;');
  });
});

describe('symbols.tsv', () => {
  it('counts each symbol in spam and ham, overall and per source', () => {
    const rows = symbolsTsv(messages).trim().split('\n').map((l) => l.split('\t'));
    expect(rows[0]).toEqual(['symbol', 'score', 'spam', 'ham', 'a spam', 'a ham', 'b spam', 'b ham']);
    expect(rows[1]).toEqual(['(messages)', '', '4', '3', '2', '2', '2', '1']);
    expect(rows.find((r) => r[0] === 'BIG')).toEqual(['BIG', '1', '2', '1', '2', '1', '0', '0']);
    expect(rows.find((r) => r[0] === 'MONEY')).toEqual(['MONEY', '1', '2', '0', '1', '0', '1', '0']);
  });
});
