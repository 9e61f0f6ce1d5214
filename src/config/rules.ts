import { RE2JS } from 're2js';
import { z } from 'zod';

// Admin rules: header and body patterns, each becoming a symbol with its score. The patterns
// run on attacker-supplied mail, so every one is compiled for RE2 (linear time, no
// backtracking) and refused here, at load, when RE2 cannot take it or it is too large.

/** Symbol names, as in `scores`. */
export const RULE_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Largest RE2 program one rule may compile to. Matching stays linear, but the work per
 * character when RE2's DFA gives up (a pattern like `a.{0,1000}c` on crafted text) grows with
 * the live states, up to the program size: measured in re2js, 400 instructions cost 0.6 s per MB
 * of such text and 1,000 instructions 18 s. `.{0,100}` fits; `.{0,500}` does not.
 */
export const MAX_RULE_PROGRAM_SIZE = 300;

/**
 * How much of a message body rules read. RE2 keeps the work linear, but linear in 4 MB of
 * crafted text is still 0.1–0.5 s for a few hundred rules (and more for a rule near the size
 * limit): the caps bound the work per message. Spam says what it sells early; SpamAssassin
 * reads 50,000 bytes of each text part and 500,000 of the raw body for the same reason.
 */
export const DEFAULT_BODY_SCAN_CHARS = 100_000;
export const DEFAULT_RAW_SCAN_CHARS = 500_000;

/** Rules per family: each is a symbol and a pattern in one shared automaton. */
export const MAX_RULES = 5000;

export const RULE_MATCH_TYPES = ['contains', 'wildcard', 'regex'] as const;

const headerName = z.string().regex(/^[\x21-\x39\x3b-\x7e]+$/, { message: 'expected a header field name' });

const common = {
  name: z.string().max(100).regex(RULE_NAME, { message: 'expected a symbol name such as SUBJ_VIAGRA (A-Z, 0-9, _)' })
    .describe('The symbol this rule adds; unique among rules and built-in symbols.'),
  match: z.enum(RULE_MATCH_TYPES)
    .describe('contains: the value appears anywhere; wildcard: the whole text matches, * is any run, ? one character; regex: RE2 syntax, anywhere unless anchored.'),
  value: z.string().min(1).max(MAX_RULE_PROGRAM_SIZE * 4).describe('The text, wildcard or regex to look for.'),
  score: z.number().min(-1000).max(1000).describe('Score of the symbol (overridable in `scores` like any symbol).'),
  description: z.string().min(1).max(200).optional().describe('Shown in X-Spam-Report and `thresher check`.'),
  case_sensitive: z.boolean().default(false).describe('Match letter case exactly; default false (Unicode case folding).'),
};

/** The reason RE2 refuses a rule's value, or undefined when it compiles within the size limit. */
export function ruleValueProblem(match: (typeof RULE_MATCH_TYPES)[number], value: string): string | undefined {
  if (match !== 'regex') {
    // A literal or wildcard compiles to about one instruction per character.
    if (value.length > MAX_RULE_PROGRAM_SIZE) return `too long: ${value.length} characters, at most ${MAX_RULE_PROGRAM_SIZE}`;
    return undefined;
  }
  let size: number;
  try {
    size = RE2JS.compile(value).programSize();
  } catch (err) {
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    return `not a valid RE2 regex (${reason}); RE2 runs in linear time and has no backreferences or lookaround`;
  }
  if (size > MAX_RULE_PROGRAM_SIZE) {
    return `regex too large: it compiles to ${size} RE2 instructions, at most ${MAX_RULE_PROGRAM_SIZE} (use smaller repeat counts)`;
  }
  return undefined;
}

function checkValue(rule: { match: (typeof RULE_MATCH_TYPES)[number]; value: string }, ctx: z.core.$RefinementCtx): void {
  const problem = ruleValueProblem(rule.match, rule.value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: problem, input: rule.value });
}

export const headerRuleSchema = z
  .strictObject({
    ...common,
    header: headerName.describe('Header field name, case-insensitive; the rule matches if any field of that name matches.'),
  })
  .superRefine(checkValue);

export const bodyRuleSchema = z
  .strictObject({
    ...common,
    part: z.enum(['text', 'raw']).default('text')
      .describe('text: the decoded text parts (text/plain, and text/html without tags), whitespace collapsed; raw: the scanned body as received.'),
  })
  .superRefine(checkValue);

export const rulesSchema = z
  .strictObject({
    header: z.array(headerRuleSchema).max(MAX_RULES).default([])
      .describe('Header rules: {name, header, match, value, score, description?, case_sensitive?}.'),
    body: z.array(bodyRuleSchema).max(MAX_RULES).default([])
      .describe('Body rules: {name, match, value, score, part?, description?, case_sensitive?}.'),
    body_scan_chars: z.number().int().min(1000).max(10_000_000).default(DEFAULT_BODY_SCAN_CHARS)
      .describe('Body rules with part: text read at most this many characters of the decoded text; bounds the work per message.'),
    raw_scan_chars: z.number().int().min(1000).max(10_000_000).default(DEFAULT_RAW_SCAN_CHARS)
      .describe('Body rules with part: raw read at most this many characters of the body as received.'),
  })
  .superRefine((rules, ctx) => {
    const seen = new Map<string, string>();
    for (const family of ['header', 'body'] as const) {
      rules[family].forEach((rule, i) => {
        const first = seen.get(rule.name);
        if (first === undefined) seen.set(rule.name, `rules.${family}.${i}`);
        else ctx.addIssue({ code: 'custom', path: [family, i, 'name'], message: `duplicate rule name ${rule.name} (first at ${first})`, input: rule.name });
      });
    }
  })
  .prefault({})
  .describe('Admin rules: each header or body rule that matches adds its symbol with its score. Patterns are RE2 (linear time).');

export type RulesConfig = z.infer<typeof rulesSchema>;
export type HeaderRule = RulesConfig['header'][number];
export type BodyRule = RulesConfig['body'][number];
export type RuleMatch = (typeof RULE_MATCH_TYPES)[number];
