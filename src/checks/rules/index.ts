import type { RulesConfig } from '../../config/rules.js';
import type { Check } from '../../engine/check.js';
import { bodyRulesCheck } from './body-rules.js';
import { headerRulesCheck } from './header-rules.js';

/**
 * The admin's header and body rules as checks (none for an empty family). `builtins` are the
 * other registered checks: a rule may not take one of their symbol names, and the error names
 * the rule by its config path, as `scores: unknown symbol` does (duplicates among rules are
 * refused by the schema already).
 */
export function ruleChecks(rules: Readonly<RulesConfig>, builtins: readonly Check[]): Check[] {
  const owner = new Map<string, string>();
  for (const check of builtins) for (const symbol of Object.keys(check.symbols)) owner.set(symbol, check.name);
  const problems: string[] = [];
  for (const family of ['header', 'body'] as const) {
    rules[family].forEach((rule, i) => {
      const check = owner.get(rule.name);
      if (check !== undefined) problems.push(`rules.${family}.${i}.name: ${rule.name} is a built-in symbol (check ${check}); choose another name`);
    });
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const checks: Check[] = [];
  if (rules.header.length > 0) checks.push(headerRulesCheck(rules.header));
  if (rules.body.length > 0) checks.push(bodyRulesCheck(rules.body, rules));
  return checks;
}
