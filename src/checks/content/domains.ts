// The registrable part of a host name ("organisational domain"), by a small rule instead of
// the whole Public Suffix List: the last two labels, or three under a country code whose
// second level is a generic one (example.co.uk, example.com.br). Good enough to tell two
// sites apart for link rules; wrong for some private suffixes, which only makes rules quieter.

/** Second-level labels that are public suffixes under many country codes. */
const GENERIC_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'ne', 'or', 'go', 'gob', 'mil', 'nic', 'ltd', 'plc', 'nom']);

/** `www.shop.example.co.uk` → `example.co.uk`; IP literals and single labels as they are. */
export function registrableDomain(host: string): string {
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const tld = labels[labels.length - 1]!;
  const second = labels[labels.length - 2]!;
  const keep = tld.length === 2 && GENERIC_SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** The top-level label of a host name. */
export function topLevel(host: string): string {
  return host.slice(host.lastIndexOf('.') + 1);
}

/** Longest text searched for a domain name in link text. */
const MAX_DISPLAY = 256;
/** A host name written in text: labels of letters, digits and hyphens, a letter-only TLD. */
const DOMAIN_IN_TEXT = /(?:^|[\s(<\[:/@])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?=$|[\s)>\]/:?#,;!.])/i;
/** A link text that is itself a web address: `https://...`, `www.` */
const URL_LIKE = /^(?:https?:\/\/|www\.)/i;

/**
 * The host a link's text claims to lead to, if the text is a web address or starts with a
 * domain name ("www.paypal.com", "https://bank.example/login"); undefined for ordinary words.
 */
export function claimedHost(display: string): string | undefined {
  const text = display.trim().slice(0, MAX_DISPLAY);
  if (!URL_LIKE.test(text)) return undefined;
  const m = DOMAIN_IN_TEXT.exec(text.replace(/^https?:\/\//i, ' '));
  return m ? m[1]!.toLowerCase().replace(/^www\./, '') : undefined;
}
