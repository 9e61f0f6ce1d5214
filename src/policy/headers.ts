import type { Config } from '../config/schema.js';
import type { Verdict } from './decide.js';

export type HeaderConfig = Config['headers'];

const FOLD_AT = 78;
const MAX_LEVEL = 50;

function fixed(n: number): string {
  return n.toFixed(1);
}

/** Spam as the headers tell it: every action but accept. */
export function isSpam(v: Verdict): boolean {
  return v.action !== 'accept';
}

/** `Yes, score=1000.0 required=5.0` */
export function statusValue(v: Verdict): string {
  return `${isSpam(v) ? 'Yes' : 'No'}, score=${fixed(v.score)} required=${fixed(v.required)}`;
}

/** Joins items with ", ", folding (LF + tab: the codec hands LF to the MTA) before 78 columns. */
function foldList(items: string[], firstColumn: number): string {
  let out = '';
  let column = firstColumn;
  for (const [i, item] of items.entries()) {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (i > 0 && column + 1 + piece.length > FOLD_AT) {
      out += `\n\t${piece}`;
      column = 8 + piece.length;
    } else {
      out += i > 0 ? ` ${piece}` : piece;
      column += (i > 0 ? 1 : 0) + piece.length;
    }
  }
  return out;
}

function bySeverity(v: Verdict) {
  return [...v.result.symbols].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}

/** `GTUBE (1000.0), NOT_FULLY_SCANNED (0.0)`, highest score first; `none` when nothing was found. */
export function resultValue(v: Verdict, name = 'X-Spam-Result'): string {
  const items = bySeverity(v).map((s) => `${s.name} (${fixed(s.score)})`);
  return items.length === 0 ? 'none' : foldList(items, name.length + 2);
}

/** SpamAssassin-style stars: one per whole point, at most 50; '' below 1. */
export function levelValue(v: Verdict): string {
  return '*'.repeat(Math.max(0, Math.min(MAX_LEVEL, Math.floor(v.score))));
}

/** One line per symbol: score, name, description (and detail). */
export function reportValue(v: Verdict): string {
  const lines = bySeverity(v).map(
    (s) => `${fixed(s.score).padStart(6)} ${s.name} ${s.description}${s.detail ? ` [${s.detail}]` : ''}`.replace(/[\r\n]+/g, ' '),
  );
  return lines.length === 0 ? 'none' : `\n\t${lines.join('\n\t')}`;
}

/** The verdict headers to add, in order, as configured (values without the leading space). */
export function verdictHeaders(v: Verdict, h: HeaderConfig): { name: string; value: string }[] {
  if (!v.tagged) return [];
  const out: { name: string; value: string }[] = [];
  if (h.status.add) out.push({ name: h.status.name, value: statusValue(v) });
  if (h.result.add) out.push({ name: h.result.name, value: resultValue(v, h.result.name) });
  if (h.flag.add && isSpam(v)) out.push({ name: h.flag.name, value: 'YES' });
  const level = levelValue(v);
  if (h.level.add && level !== '') out.push({ name: h.level.name, value: level });
  if (h.report.add) out.push({ name: h.report.name, value: reportValue(v) });
  return out;
}

/** Names of the headers Thresher owns (lower case): incoming copies are forged. */
export function verdictHeaderNames(h: HeaderConfig): string[] {
  return [h.status.name, h.result.name, h.flag.name, h.level.name, h.report.name];
}
