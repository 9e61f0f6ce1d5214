/**
 * Address patterns of policies: `alice@example.org` (address), `example.org` or `@example.org`
 * (exactly that domain), or a `*` wildcard over the whole address (`*@*.example.org`).
 * Case-insensitive. Wildcards are matched left to right with indexOf, which is linear:
 * no backtracking regex ever runs on an attacker-chosen address.
 */
export type AddressMatcher = (address: string) => boolean;

export function compileAddressPattern(pattern: string): AddressMatcher {
  const p = pattern.toLowerCase();
  if (p.includes('*')) return wildcard(p);
  if (p.startsWith('@')) {
    const domain = p.slice(1);
    return (a) => domainOf(a) === domain;
  }
  if (p.includes('@')) return (a) => a.toLowerCase() === p;
  return (a) => domainOf(a) === p;
}

export function compileAddressPatterns(patterns: readonly string[]): AddressMatcher {
  const matchers = patterns.map(compileAddressPattern);
  return (a) => matchers.some((m) => m(a));
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** `*`-only glob: prefix, then each middle piece in order, then suffix. */
function wildcard(p: string): AddressMatcher {
  const parts = p.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((x) => x !== '');
  return (address) => {
    const a = address.toLowerCase();
    if (a.length < first.length + last.length || !a.startsWith(first) || !a.endsWith(last)) return false;
    let at = first.length;
    const end = a.length - last.length;
    for (const piece of middle) {
      const found = a.indexOf(piece, at);
      if (found < 0 || found + piece.length > end) return false;
      at = found + piece.length;
    }
    return true;
  };
}
