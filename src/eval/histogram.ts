// The score histogram of an evaluation as a self-contained SVG a browser opens: spam and ham
// side by side per score bin, counts on a log scale (the ham near the threshold is a handful
// beside thousands far from it), and the spam threshold as a vertical line.
import type { ScoredMessage } from './summary.js';

/** Scores below and above are counted in the outermost bins (GTUBE scores 1000). */
export const HISTOGRAM_MIN = -10;
export const HISTOGRAM_MAX = 30;
const BIN_WIDTH = 1;

const WIDTH = 960;
const HEIGHT = 480;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 60 };
const COLORS = { spam: '#d62728', ham: '#1f77b4' } as const;

export interface Bin {
  from: number;
  spam: number;
  ham: number;
}

export function bins(messages: readonly ScoredMessage[]): Bin[] {
  const count = Math.round((HISTOGRAM_MAX - HISTOGRAM_MIN) / BIN_WIDTH);
  const out: Bin[] = Array.from({ length: count }, (_, i) => ({ from: HISTOGRAM_MIN + i * BIN_WIDTH, spam: 0, ham: 0 }));
  for (const m of messages) {
    const i = Math.min(count - 1, Math.max(0, Math.floor((m.score - HISTOGRAM_MIN) / BIN_WIDTH)));
    out[i]![m.label]++;
  }
  return out;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function histogramSvg(messages: readonly ScoredMessage[], threshold: number, title: string): string {
  const data = bins(messages);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxCount = Math.max(1, ...data.map((b) => Math.max(b.spam, b.ham)));
  const decades = Math.max(1, Math.ceil(Math.log10(maxCount)));
  // log10(count + 1) so a bin of one message still shows as a bar.
  const top = Math.log10(10 ** decades + 1);
  const y = (n: number) => MARGIN.top + plotH - (plotH * Math.log10(n + 1)) / top;
  const x = (score: number) => MARGIN.left + (plotW * (score - HISTOGRAM_MIN)) / (HISTOGRAM_MAX - HISTOGRAM_MIN);
  const binW = plotW / data.length;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  for (let d = 0; d <= decades; d++) {
    const ty = y(10 ** d);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${(ty + 4).toFixed(1)}" text-anchor="end">${10 ** d}</text>`);
  }
  for (const b of data) {
    const left = x(b.from);
    for (const [i, label] of (['ham', 'spam'] as const).entries()) {
      const n = b[label];
      if (n === 0) continue;
      const barTop = y(n);
      parts.push(
        `<rect class="bar ${label}" x="${(left + (i * binW) / 2).toFixed(1)}" y="${barTop.toFixed(1)}" width="${(binW / 2 - 1).toFixed(1)}" height="${(MARGIN.top + plotH - barTop).toFixed(1)}" fill="${COLORS[label]}"><title>${label} ${b.from}..${b.from + BIN_WIDTH}: ${n}</title></rect>`,
      );
    }
  }
  for (let s = HISTOGRAM_MIN; s <= HISTOGRAM_MAX; s += 5) {
    const label = s === HISTOGRAM_MIN ? `≤${s}` : s === HISTOGRAM_MAX ? `≥${s}` : String(s);
    parts.push(`<text x="${x(s).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${label}</text>`);
  }
  const tx = x(Math.min(HISTOGRAM_MAX, Math.max(HISTOGRAM_MIN, threshold)));
  parts.push(`<line class="threshold" x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="black" stroke-dasharray="5,4"/>`);
  parts.push(`<text x="${(tx + 4).toFixed(1)}" y="${MARGIN.top + 12}">threshold ${threshold}</text>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="black"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="black"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 15}" text-anchor="middle">score</text>`);
  parts.push(`<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">messages (log scale)</text>`);
  const legendX = WIDTH - MARGIN.right - 120;
  for (const [i, label] of (['spam', 'ham'] as const).entries()) {
    const ly = MARGIN.top + 10 + i * 18;
    parts.push(`<rect x="${legendX}" y="${ly - 10}" width="12" height="12" fill="${COLORS[label]}"/>`);
    parts.push(`<text x="${legendX + 18}" y="${ly}">${label} (${messages.filter((m) => m.label === label).length})</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
