import { compileMatcher } from '../checks/rules/matcher.js';
import { ruleValueProblem } from '../config/rules.js';

// The one dialect of address patterns: sender lists, per-recipient list keys and policies'
// recipients and senders all read it. Case-insensitive throughout (local parts too: no MTA we
// front treats them otherwise, and an admin writes Alice@ and alice@ for the same person):
//   alice@example.org   that address
//   example.org         that domain, also written @example.org; not its subdomains
//   *@*.example.org     a wildcard over the whole address: * any run, ? one character,
//                       \ makes the next character literal (the rules' wildcard)
//   /^bounce-.*@/       an RE2 regex, searched anywhere in the address
// Nothing here can backtrack on an attacker-chosen address: exact forms are map lookups,
// wildcards and regexes run on RE2's linear-time engine through the rules' matcher, and the
// patterns it refuses, or too large, are refused when the config or list file is loaded.

type Test = (address: string) => boolean;

/** True for the patterns that are not exact addresses or domains. */
function isWildcardOrRegex(entry: string): boolean {
  return entry.startsWith('/') || entry.includes('*') || entry.includes('?');
}

/** Why an address pattern is invalid, or undefined (see the file comment for the forms). */
export function addressPatternProblem(entry: string): string | undefined {
  if (entry === '' || /\s/.test(entry)) return `not an address pattern: ${JSON.stringify(entry)}`;
  if (entry.startsWith('/')) {
    if (entry.length < 3 || !entry.endsWith('/')) return `a regex must be written /regex/: ${entry}`;
    const p = ruleValueProblem('regex', entry.slice(1, -1));
    return p === undefined ? undefined : `${entry}: ${p}`;
  }
  if (isWildcardOrRegex(entry)) {
    const p = ruleValueProblem('wildcard', entry);
    return p === undefined ? undefined : `${entry}: ${p}`;
  }
  const at = entry.lastIndexOf('@');
  if (at === entry.length - 1 || (at > 0 && entry.indexOf('@') !== at)) return `not an address or domain: ${entry}`;
  return undefined;
}

/** The forms, for config descriptions and error hints. */
export const ADDRESS_PATTERN_FORMS = 'alice@example.org, example.org or @example.org, *@*.example.org, /regex/ (RE2)';

function compile(pattern: string): Test {
  if (pattern.startsWith('/')) return compileMatcher({ match: 'regex', value: pattern.slice(1, -1), case_sensitive: false });
  return compileMatcher({ match: 'wildcard', value: pattern, case_sensitive: false });
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1);
}

/**
 * Patterns, each with a value (the entry itself for a plain list, the per-recipient lists
 * for the recipient table). Lookups try exact addresses, then domains, then wildcards and
 * regexes in the order they were added.
 */
export class AddressTable<V> {
  private readonly addresses = new Map<string, V>();
  private readonly domains = new Map<string, V>();
  private readonly patterns: Array<{ test: Test; value: V }> = [];
  size = 0;

  /** Adds a pattern (valid by addressPatternProblem); a repeated exact pattern keeps its first value. */
  add(pattern: string, value: V): void {
    this.size++;
    if (isWildcardOrRegex(pattern)) {
      this.patterns.push({ test: compile(pattern), value });
      return;
    }
    const p = pattern.toLowerCase();
    const map = p.includes('@') && !p.startsWith('@') ? this.addresses : this.domains;
    const key = p.startsWith('@') ? p.slice(1) : p;
    if (!map.has(key)) map.set(key, value);
  }

  /** The value of the first pattern that matches, or undefined. */
  first(address: string): V | undefined {
    const a = address.toLowerCase();
    const exact = this.addresses.get(a) ?? this.domains.get(domainOf(a));
    if (exact !== undefined) return exact;
    return this.patterns.find((p) => p.test(a))?.value;
  }

  /** The values of every pattern that matches. */
  all(address: string): V[] {
    const a = address.toLowerCase();
    const out: V[] = [];
    const byAddress = this.addresses.get(a);
    if (byAddress !== undefined) out.push(byAddress);
    const byDomain = this.domains.get(domainOf(a));
    if (byDomain !== undefined) out.push(byDomain);
    for (const p of this.patterns) if (p.test(a)) out.push(p.value);
    return out;
  }
}

/** A plain list of patterns: `match` returns the entry that matched, as written. */
export class AddressSet extends AddressTable<string> {
  constructor(entries: Iterable<string> = []) {
    super();
    for (const e of entries) this.add(e, e);
  }

  match(address: string): string | undefined {
    return this.first(address);
  }

  has(address: string): boolean {
    return this.first(address) !== undefined;
  }
}
