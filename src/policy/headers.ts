import type { Verdict } from './decide.js';

/** Header names Thresher owns: any copy arriving from outside is removed before ours are added. */
export const STATUS_HEADER = 'X-Spam-Status';
export const RESULT_HEADER = 'X-Spam-Result';
export const VERDICT_HEADERS = [STATUS_HEADER, RESULT_HEADER] as const;

const FOLD_AT = 78;

function fixed(n: number): string {
  return n.toFixed(1);
}

/** `Yes, score=1000.0 required=5.0` */
export function statusValue(v: Verdict): string {
  const spam = v.action !== 'accept';
  return `${spam ? 'Yes' : 'No'}, score=${fixed(v.score)} required=${fixed(v.required)}`;
}

/**
 * `GTUBE (1000.0), NOT_FULLY_SCANNED (0.0)`, highest score first, folded before 78 columns
 * (LF + tab: the codec hands LF to the MTA). `none` when nothing was found.
 */
export function resultValue(v: Verdict, nameLength = RESULT_HEADER.length): string {
  const items = [...v.result.symbols]
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .map((s) => `${s.name} (${fixed(s.score)})`);
  if (items.length === 0) return 'none';
  let out = '';
  let column = nameLength + 2;
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

/** The headers to add for a verdict, in order. */
export function verdictHeaders(v: Verdict): { name: string; value: string }[] {
  return [
    { name: STATUS_HEADER, value: statusValue(v) },
    { name: RESULT_HEADER, value: resultValue(v) },
  ];
}
