import { decodeWords } from '../../message/mime.js';
import { BRANDS } from './url-lists.js';

// Just enough of RFC 5322 3.4 to compare mailboxes: the display name and the address of the
// first mailbox of a From/Reply-To/To field. Comments, groups and quoted commas are handled
// the way clients display them; anything that yields no plausible address is "malformed".

/** Longer header values are cut before parsing: no real address list needs more for its first mailbox. */
const MAX_ADDRESS_FIELD = 2048;

export interface Mailbox {
  /** Display name, RFC 2047 words decoded, quotes removed; '' when there is none. */
  name: string;
  /** The address in lower case, without angle brackets; '' when none was found. */
  address: string;
  /** The part after the last `@`, lower case; '' when there is none. */
  domain: string;
}

/** A plausible addr-spec: local part, `@`, a domain with a dot or a domain literal. */
const ADDR_SPEC = /^[^\s@<>()",;]{1,128}@(?:[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63}){1,10}\.?|\[[0-9a-f.:]{2,45}\])$/i;

/** An address anywhere in a display name, e.g. "service@paypal.com" <x@evil.example>. */
const ADDRESS_IN_TEXT = /[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,10}/i;

const BRAND_SET = new Set<string>(BRANDS);

/** The first mailbox of an address field. */
export function firstMailbox(value: string): Mailbox {
  const v = value.slice(0, MAX_ADDRESS_FIELD).replace(/\s+/g, ' ').trim();
  const open = v.indexOf('<');
  const close = open < 0 ? -1 : v.indexOf('>', open);
  let name: string;
  let address: string;
  if (open >= 0 && close > open) {
    name = v.slice(0, open);
    address = v.slice(open + 1, close);
  } else {
    // `addr (Name)` or a bare address.
    const paren = v.indexOf('(');
    name = paren >= 0 ? v.slice(paren + 1, v.lastIndexOf(')') > paren ? v.lastIndexOf(')') : undefined) : '';
    address = (paren >= 0 ? v.slice(0, paren) : v).split(',')[0]!;
  }
  address = address.trim().toLowerCase();
  name = decodeWords(name.trim().replace(/^"(.*)"$/, '$1')).trim();
  if (!ADDR_SPEC.test(address)) return { name, address: '', domain: '' };
  return { name, address, domain: address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '') };
}

/** The first address written inside a text (a display name), lower case, or undefined. */
export function addressInText(text: string): string | undefined {
  return ADDRESS_IN_TEXT.exec(text.slice(0, MAX_ADDRESS_FIELD))?.[0].toLowerCase();
}

/** Words of a display name joined to find a brand written in words ("Bank of America"). */
const MAX_BRAND_WORDS = 3;

/**
 * The brand a display name claims ("PayPal Service", "Wells Fargo Online") when the sender's
 * domain is not the brand's: no label of it contains the brand's name (paypal.co.uk,
 * facebookmail.com and accountprotection.microsoft.com are the brands' own).
 */
export function claimedBrand(name: string, domain: string): string | undefined {
  const words = name.slice(0, MAX_ADDRESS_FIELD).toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  for (let i = 0; i < words.length; i++) {
    let joined = '';
    for (let n = 0; n < MAX_BRAND_WORDS && i + n < words.length; n++) {
      joined += words[i + n];
      if (!BRAND_SET.has(joined)) continue;
      return domain.split('.').some((label) => label.replace(/-/g, '').includes(joined)) ? undefined : joined;
    }
  }
  return undefined;
}
