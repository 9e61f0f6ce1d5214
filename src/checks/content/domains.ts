// Host names in link text: what a link claims to lead to, to be compared with where it goes
// (by registrable domain, src/net/domain.ts).

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
