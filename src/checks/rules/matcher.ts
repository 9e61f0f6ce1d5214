import { RE2JS, RE2Set } from 're2js';
import type { RuleMatch } from '../../config/rules.js';

// Admin rules compiled for RE2 (re2js, a pure JavaScript port): matching time is linear in the
// text whatever the pattern, so no rule can make the process backtrack on crafted mail. All
// three match types become RE2 patterns, so they share one engine and one case-folding.

export interface MatchSpec {
  match: RuleMatch;
  value: string;
  case_sensitive: boolean;
}

/** Wildcard to RE2: `*` any run, `?` one character, `\` escapes the next; anchored at both ends. */
function wildcardPattern(value: string): string {
  let out = '';
  let literal = '';
  const flush = () => {
    out += RE2JS.quote(literal);
    literal = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) literal += value[++i];
    else if (c === '*' || c === '?') {
      flush();
      if (c === '?') out += '.';
      else if (!out.endsWith('.*')) out += '.*';
    } else literal += c;
  }
  flush();
  return `(?s)^${out}$`;
}

/** The RE2 pattern of a rule: contains searches a literal anywhere, regex is taken as written. */
export function rulePattern(spec: MatchSpec): string {
  const body = spec.match === 'contains' ? RE2JS.quote(spec.value) : spec.match === 'wildcard' ? wildcardPattern(spec.value) : spec.value;
  // A leading flag group applies to the whole pattern, alternatives included.
  return spec.case_sensitive ? body : `(?i)${body}`;
}

/** One rule as a predicate. Throws on a pattern RE2 refuses (the config has checked it). */
export function compileMatcher(spec: MatchSpec): (text: string) => boolean {
  const re = RE2JS.compile(rulePattern(spec));
  return (text) => re.test(text);
}

/** Memory for the states RE2's DFA caches between messages; beyond it the cache is reset. */
export const DFA_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * Many rules as one automaton: one pass over the text gives the indexes (in `specs` order)
 * of the rules that match. Each rule on its own would pass over a 10 KB body in 2 to 100 µs;
 * the set passes once for all of them. `cacheBytes` bounds the DFA state cache it keeps.
 */
export function compileMatcherSet(specs: readonly MatchSpec[], cacheBytes = DFA_CACHE_BYTES): (text: string) => number[] {
  if (specs.length === 0) return () => [];
  const set = new RE2Set(RE2Set.UNANCHORED, 0, cacheBytes);
  for (const spec of specs) set.add(rulePattern(spec));
  set.compile();
  return (text) => set.match(text);
}
