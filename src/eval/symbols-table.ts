// symbols.tsv: how often each symbol fired in spam and in ham, overall and per source, to
// see which symbols earn their score and which hit ham.
import type { ScoredMessage } from './summary.js';

interface Row {
  score: number;
  spam: number;
  ham: number;
  bySource: Map<string, { spam: number; ham: number }>;
}

/**
 * Tab-separated, one line per symbol, most frequent first: symbol, score, hits in spam,
 * hits in ham, then `<source> spam` and `<source> ham` for every source. The first line
 * names the columns; the second (`(messages)`) gives the totals the hits are out of.
 */
export function symbolsTsv(messages: readonly ScoredMessage[]): string {
  const sources = [...new Set(messages.map((m) => m.source))].sort();
  const totals: Row = { score: 0, spam: 0, ham: 0, bySource: new Map() };
  const rows = new Map<string, Row>();
  const bump = (row: Row, m: ScoredMessage) => {
    row[m.label]++;
    const s = row.bySource.get(m.source) ?? { spam: 0, ham: 0 };
    s[m.label]++;
    row.bySource.set(m.source, s);
  };
  for (const m of messages) {
    bump(totals, m);
    for (const sym of m.symbols) {
      let row = rows.get(sym.name);
      if (!row) rows.set(sym.name, (row = { score: sym.score, spam: 0, ham: 0, bySource: new Map() }));
      bump(row, m);
    }
  }
  const cells = (name: string, score: string, row: Row) => [
    name,
    score,
    String(row.spam),
    String(row.ham),
    ...sources.flatMap((s) => [String(row.bySource.get(s)?.spam ?? 0), String(row.bySource.get(s)?.ham ?? 0)]),
  ];
  const lines = [
    ['symbol', 'score', 'spam', 'ham', ...sources.flatMap((s) => [`${s} spam`, `${s} ham`])],
    cells('(messages)', '', totals),
    ...[...rows]
      .sort(([a, x], [b, y]) => y.spam + y.ham - (x.spam + x.ham) || (a < b ? -1 : 1))
      .map(([name, row]) => cells(name, String(row.score), row)),
  ];
  return `${lines.map((l) => l.join('\t')).join('\n')}\n`;
}
