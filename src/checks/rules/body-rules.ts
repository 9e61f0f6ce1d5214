import type { BodyRule, RulesConfig } from '../../config/rules.js';
import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import { rawTextOf, textOf } from '../../message/text.js';
import { compileMatcherSet } from './matcher.js';
import { describeRule } from './symbols.js';

/**
 * Body rules: `part: text` rules read the decoded text parts (see textOf), `part: raw` rules
 * the scanned body as received. All rules of a part share one pass over its text, which is cut
 * at `body_scan_chars` or `raw_scan_chars` (see DEFAULT_BODY_SCAN_CHARS).
 */
export function bodyRulesCheck(rules: readonly BodyRule[], limits: Pick<RulesConfig, 'body_scan_chars' | 'raw_scan_chars'>): Check {
  const symbols: Record<string, SymbolDef> = {};
  for (const rule of rules) {
    symbols[rule.name] = { score: rule.score, description: rule.description ?? describeRule(`body ${rule.part}`, rule) };
  }
  const text = rules.filter((r) => r.part === 'text');
  const raw = rules.filter((r) => r.part === 'raw');
  const matchText = compileMatcherSet(text);
  const matchRaw = compileMatcherSet(raw);
  return {
    name: 'body-rules',
    stage: 'eom',
    needsBody: true,
    symbols,
    run({ message, log }) {
      const hits: Hit[] = [];
      if (text.length > 0) {
        for (const i of matchText(head(textOf(message, log), limits.body_scan_chars))) hits.push({ symbol: text[i]!.name });
      }
      if (raw.length > 0) {
        for (const i of matchRaw(head(rawTextOf(message), limits.raw_scan_chars))) hits.push({ symbol: raw[i]!.name });
      }
      return hits;
    },
  };
}

function head(text: string, chars: number): string {
  return text.length > chars ? text.slice(0, chars) : text;
}
