import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import { partsOf } from '../../message/parts.js';
import { registrableDomain, topLevel } from '../../net/domain.js';
import { isLocalAddress } from '../../net/ip.js';
import { claimedHost } from './domains.js';
import { imitatedBrand } from './lookalike.js';
import { SHORTENERS, SUSPICIOUS_TLDS } from './url-lists.js';

// Where the message's links lead: to bare IP addresses, through shorteners, to a site other
// than the one the link text names, to many unrelated sites, to cheap abused TLDs, or to host
// names dressed up as a well-known brand. Scores measured on the development corpus
// (bench/symbol-hits.ts).

/**
 * Link-protection services that rewrite every link of mail their customers receive: the text
 * still shows the real site, which is not phishing.
 */
const LINK_REWRITERS = ['urldefense.proofpoint.com', 'urldefense.com', 'safelinks.protection.outlook.com', 'linkprotect.cudasvc.com', 'mimecast.com'];


/** Distinct sites linked before a message counts as linking to many. */
const MANY_DOMAINS = 12;

const symbols: Record<string, SymbolDef> = {
  URL_IP_HOST: { score: 2.2, description: 'Link to a bare IP address' },
  URL_SHORTENER: { score: 1.1, description: 'Link through a public URL shortener' },
  URL_PHISH_MISMATCH: { score: 0.7, description: 'Link text shows one site while the link leads to another' },
  // Hits ham (newsletters, digests) more often than spam in the corpus: evidence, not a score.
  URL_MANY_DOMAINS: { score: 0.0, description: `Links to ${MANY_DOMAINS} or more different sites` },
  URL_SUSPICIOUS_TLD: { score: 1.0, description: 'Link into a top-level domain mostly used for abuse' },
  URL_PUNYCODE: { score: 0.5, description: 'Link to an internationalised (punycode) host name' },
  URL_PUNYCODE_BRAND: { score: 3.0, description: 'Link to a host name imitating a well-known brand (look-alike letters, punycode, brand as a subdomain)' },
};

/** The host is a rewriter or one of its regional hosts (eur01.safelinks.protection.outlook.com). */
function isRewriter(host: string): boolean {
  return LINK_REWRITERS.some((rewriter) => host === rewriter || host.endsWith(`.${rewriter}`));
}

/** Link rules over the message's URLs (text and HTML anchors). */
export const urlCheck: Check = {
  name: 'urls',
  stage: 'eom',
  needsBody: true,
  symbols,
  run({ message, log }) {
    const { urls } = partsOf(message, log);
    if (urls.length === 0) return [];
    const hits = new Map<string, Hit>();
    const hit = (symbol: string, detail: string) => {
      if (!hits.has(symbol)) hits.set(symbol, { symbol, detail });
    };
    const domains = new Set<string>();
    const hosts = new Set<string>();
    for (const url of urls) {
      if (url.ip) {
        if (!isLocalAddress(url.host)) hit('URL_IP_HOST', url.host);
        continue;
      }
      const domain = registrableDomain(url.host);
      if (url.display !== undefined && !isRewriter(url.host)) {
        const claimed = claimedHost(url.display);
        if (claimed !== undefined && registrableDomain(claimed) !== domain) hit('URL_PHISH_MISMATCH', `${claimed} -> ${url.host}`);
      }
      // The host rules once per host: a newsletter links the same few hosts many times.
      if (hosts.has(url.host)) continue;
      hosts.add(url.host);
      domains.add(domain);
      if (SHORTENERS.has(url.host) || SHORTENERS.has(domain)) hit('URL_SHORTENER', url.host);
      if (SUSPICIOUS_TLDS.has(topLevel(url.host))) hit('URL_SUSPICIOUS_TLD', url.host);
      if (url.host.startsWith('xn--') || url.host.includes('.xn--')) hit('URL_PUNYCODE', url.host);
      const brand = imitatedBrand(url.host);
      if (brand !== undefined) hit('URL_PUNYCODE_BRAND', `${url.host} (${brand})`);
    }
    if (domains.size >= MANY_DOMAINS) hit('URL_MANY_DOMAINS', `${domains.size} sites`);
    return [...hits.values()];
  },
};
