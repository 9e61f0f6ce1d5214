import type { MatchSpec } from './matcher.js';

/** Longest value quoted in a default description. */
const MAX_QUOTED = 60;

/** The description of a rule that has none: `Subject contains "viagra"`. */
export function describeRule(where: string, rule: MatchSpec): string {
  const value = rule.value.length > MAX_QUOTED ? `${rule.value.slice(0, MAX_QUOTED)}…` : rule.value;
  const verb = rule.match === 'regex' ? 'matches regex' : rule.match === 'wildcard' ? 'matches wildcard' : 'contains';
  return `${where} ${verb} ${JSON.stringify(value)}${rule.case_sensitive ? ' (case-sensitive)' : ''}`;
}
