// Link hosts for the Bayes tokenizer: `u:` the host, `ud:` its registrable domain. Found by
// scheme or "www." in lower-cased text; the host is a bounded run of host characters, so the
// search is linear.

const LINK_HOST = /(?:https?:\/\/|\bwww\.)([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,10})/g;
/** Hosts taken from one text: a page of links says what it says with the first ones. */
const MAX_HOSTS = 50;
/**
 * Second-level labels under country TLDs that act as public suffixes (co.uk, com.br, ...).
 * An approximation of the Public Suffix List, enough to group a domain's hosts.
 */
const SHORT_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'nic']);

export function urlHostTokens(text: string, add: (token: string) => void): void {
  LINK_HOST.lastIndex = 0;
  let n = 0;
  for (let m = LINK_HOST.exec(text); m !== null && n < MAX_HOSTS; m = LINK_HOST.exec(text), n++) {
    const host = m[1]!.replace(/^www\./, '');
    add(`u:${host}`);
    add(`ud:${registrableDomain(host)}`);
  }
}

/** The domain a host belongs to: the last two labels, three under a ccTLD's co./com./... */
export function registrableDomain(host: string): string {
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const tld = labels[labels.length - 1]!;
  const second = labels[labels.length - 2]!;
  const keep = tld.length === 2 && SHORT_SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-keep).join('.');
}
