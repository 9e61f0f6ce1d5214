import { domainToUnicode } from 'node:url';
import { BRANDS } from './url-lists.js';
import { registrableDomain } from '../../net/domain.js';

// Host names made to pass for a well-known brand: an IDN whose letters look Latin
// (xn--pypal-4ve.com shows as "pаypal.com" with a Cyrillic а), digits for letters (paypa1),
// or the brand as a label of someone else's domain (paypal.com.secure-login.example,
// paypal-verify.example). The brand's own domains (paypal.com, paypal.co.uk) never match.

/** Letters that look like Latin ones: Cyrillic, Greek and digit substitutes, to their Latin twin. */
const CONFUSABLES = new Map<string, string>([
  ['а', 'a'], ['е', 'e'], ['о', 'o'], ['р', 'p'], ['с', 'c'], ['у', 'y'], ['х', 'x'], ['і', 'i'], ['ј', 'j'], ['ѕ', 's'],
  ['һ', 'h'], ['ԁ', 'd'], ['ɡ', 'g'], ['ո', 'n'], ['ѵ', 'v'], ['ԝ', 'w'], ['α', 'a'], ['ο', 'o'], ['ρ', 'p'], ['ν', 'v'],
  ['ι', 'i'], ['κ', 'k'], ['τ', 't'], ['0', 'o'], ['1', 'l'], ['3', 'e'], ['5', 's'], ['ı', 'i'], ['ł', 'l'],
]);

/** The host as it reads: Unicode letters folded to their Latin look-alikes, `rn` as `m`, `vv` as `w`. */
export function skeleton(label: string): string {
  let out = '';
  for (const ch of label.normalize('NFKD')) {
    if (ch >= '\u0300' && ch <= '\u036f') continue; // combining accents: é reads as e
    out += CONFUSABLES.get(ch) ?? ch;
  }
  return out.replace(/rn/g, 'm').replace(/vv/g, 'w');
}

const BRAND_BY_SKELETON = new Map(BRANDS.map((brand) => [skeleton(brand), brand]));

/** Labels after a brand label that make `brand.com.other.example` read as the brand's site. */
const FAKE_SUFFIX_START = new Set(['com', 'net', 'org', 'co']);

/**
 * Brands whose names are not ordinary words and are not used joined by hyphens in their owners'
 * own domains (google-analytics.com is Google's): `paypal-verify.example` is an imitation.
 */
const DISTINCTIVE = new Set(['paypal', 'netflix', 'instagram', 'whatsapp', 'linkedin', 'wellsfargo', 'bankofamerica', 'citibank',
  'docusign', 'binance', 'coinbase', 'metamask', 'americanexpress', 'sparkasse', 'postbank', 'icloud', 'office365', 'onedrive']);

/** The brand a host imitates, if it imitates one (see the file comment). */
export function imitatedBrand(host: string): string | undefined {
  const domain = registrableDomain(host);
  if (BRANDS.includes(domain.split('.')[0]!)) return undefined; // the brand's own domain
  const unicode = host.includes('xn--') ? domainToUnicode(host) : host;
  const labels = unicode.split('.');
  const subdomainLabels = labels.length - domain.split('.').length;
  for (const [i, label] of labels.entries()) {
    const read = skeleton(label);
    // A look-alike spelling of the brand as a whole label, anywhere.
    const lookalike = BRAND_BY_SKELETON.get(read);
    if (lookalike !== undefined && label !== lookalike) return lookalike;
    // The brand as a subdomain dressed as its own site: paypal.com.secure.example
    if (i < subdomainLabels && BRANDS.includes(label) && FAKE_SUFFIX_START.has(labels[i + 1] ?? '')) return label;
    // A distinctive brand joined by hyphens to other words: paypal-verify.example
    if (read.includes('-')) for (const word of read.split('-')) if (DISTINCTIVE.has(word)) return word;
  }
  return undefined;
}
