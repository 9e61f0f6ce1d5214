import { getDomain } from 'tldts';

// The registrable domain of a host name (the "site": one owner's part of the name space), by
// the Public Suffix List as the tldts package ships it; updating the list is updating tldts.
//
// The list's private section is used: github.io, blogspot.com, web.app, s3.amazonaws.com
// and the like are suffixes, so alice.github.io and mallory.github.io are two sites. That is
// how browsers draw the line between sites, and it is the line that matters here: tenants of
// a hosting platform are different senders, and phishing pages hosted on one must not pass
// for the platform's own links (URL_PHISH_MISMATCH, Bayes' `ud:` tokens, URL_MANY_DOMAINS).
const OPTIONS = { allowPrivateDomains: true, extractHostname: false, validateHostname: false, detectIp: true } as const;

/**
 * `www.shop.example.co.uk` → `example.co.uk`, lower-cased. An IP address, a single label or a
 * public suffix alone (`co.uk`) has no registrable domain and is returned as it is.
 */
export function registrableDomain(host: string): string {
  const name = host.toLowerCase().replace(/\.$/, '');
  return getDomain(name, OPTIONS) ?? name;
}

/** The top-level label of a host name. */
export function topLevel(host: string): string {
  return host.slice(host.lastIndexOf('.') + 1);
}
