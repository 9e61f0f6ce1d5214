import type { HeaderRule } from '../../config/rules.js';
import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import { headerTextOf } from '../../message/text.js';
import { compileMatcherSet } from './matcher.js';
import { describeRule } from './symbols.js';

/** DFA state cache per header name (see DFA_CACHE_BYTES): there is one per name used by rules. */
const HEADER_DFA_CACHE_BYTES = 1024 * 1024;

/**
 * Header rules: each rule that matches some field of its header adds its symbol. Field
 * values are unfolded and RFC 2047 decoded first, so `=?utf-8?B?...?=` subjects match as read.
 * A rule on a header the message does not have never matches.
 */
export function headerRulesCheck(rules: readonly HeaderRule[]): Check {
  const symbols: Record<string, SymbolDef> = {};
  const byHeader = new Map<string, HeaderRule[]>();
  for (const rule of rules) {
    symbols[rule.name] = { score: rule.score, description: rule.description ?? describeRule(rule.header, rule) };
    const key = rule.header.toLowerCase();
    byHeader.set(key, [...(byHeader.get(key) ?? []), rule]);
  }
  // One automaton per header name: a message is read once per header field, not once per rule.
  // Header values are short and few states are visited: a smaller cache for each of them.
  const groups = [...byHeader].map(([header, group]) => ({ header, rules: group, match: compileMatcherSet(group, HEADER_DFA_CACHE_BYTES) }));
  return {
    name: 'header-rules',
    stage: 'eom',
    symbols,
    run({ message }) {
      const hits: Hit[] = [];
      for (const { header, rules: group, match } of groups) {
        const matched = new Set<number>();
        for (const value of headerTextOf(message, header)) for (const i of match(value)) matched.add(i);
        for (const i of [...matched].sort((a, b) => a - b)) hits.push({ symbol: group[i]!.name });
      }
      return hits;
    },
  };
}
