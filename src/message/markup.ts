// The pieces of HTML markup the renderer (html.ts) needs: which elements hide or break lines,
// where a tag ends, and character references. Linear in their input; no regex on the markup.

/**
 * Elements whose content is not shown. A mail client shows no <title> either (a browser puts
 * it in the tab bar), and spam fills it with novel text for the filters to read.
 */
export const HIDDEN = new Set(['script', 'style', 'template', 'noscript', 'title']);

/** Elements that start a new line when rendered. */
export const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre',
  'section', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);

// HTML 4 Latin-1 entity names for U+00A0..U+00FF, in code point order.
const LATIN1 = ('nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 '
  + 'acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring '
  + 'AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times '
  + 'Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute '
  + 'ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc '
  + 'uuml yacute thorn yuml').split(' ');

const ENTITIES = new Map<string, string>([
  ...LATIN1.map((name, i) => [name, String.fromCharCode(0xa0 + i)] as [string, string]),
  ['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"], ['euro', '€'], ['trade', '™'],
  ['ndash', '–'], ['mdash', '—'], ['lsquo', '‘'], ['rsquo', '’'], ['sbquo', '‚'], ['ldquo', '“'], ['rdquo', '”'],
  ['bdquo', '„'], ['bull', '•'], ['hellip', '…'], ['prime', '′'], ['dagger', '†'], ['permil', '‰'],
  ['lsaquo', '‹'], ['rsaquo', '›'], ['OElig', 'Œ'], ['oelig', 'œ'], ['Scaron', 'Š'], ['scaron', 'š'],
  ['Yuml', 'Ÿ'], ['fnof', 'ƒ'], ['circ', 'ˆ'], ['tilde', '˜'], ['ensp', ' '], ['emsp', ' '], ['thinsp', ' '],
  ['zwnj', '\u200c'], ['zwj', '\u200d'], ['lrm', '\u200e'], ['rlm', '\u200f'],
]);

/** Longest entity name looked up: `&` followed by more is literal text. */
const MAX_ENTITY_NAME = 8;

/** Decodes `&name;`, `&#65;` and `&#x41;`; unknown or malformed references stay as written. */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let out = '';
  let last = 0;
  while (amp >= 0) {
    // Look for the ';' only a few characters ahead, so text full of '&' stays linear.
    let semi = amp + 1;
    const limit = Math.min(text.length, amp + MAX_ENTITY_NAME + 3);
    while (semi < limit && text.charCodeAt(semi) !== 0x3b /* ; */) semi++;
    let decoded: string | undefined;
    if (semi < limit) {
      const name = text.slice(amp + 1, semi);
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseHex(name.slice(2)) : parseDec(name.slice(1));
        if (code !== undefined) decoded = code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
      } else decoded = ENTITIES.get(name);
    }
    if (decoded !== undefined) {
      out += text.slice(last, amp) + decoded;
      last = semi + 1;
    }
    amp = text.indexOf('&', decoded !== undefined ? last : amp + 1);
  }
  return out + text.slice(last);
}

function parseDec(s: string): number | undefined {
  return /^[0-9]{1,7}$/.test(s) ? Number(s) : undefined;
}

function parseHex(s: string): number | undefined {
  return /^[0-9a-fA-F]{1,6}$/.test(s) ? parseInt(s, 16) : undefined;
}

export function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/**
 * Where a tag ends (just after `>`), scanning from `from`. A quote opens a quoted attribute
 * value only right after `=`, as in browsers, so a stray quote cannot hide the text after it.
 */
export function tagEnd(html: string, from: number): number {
  let quote = 0;
  let afterEquals = false;
  for (let i = from; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if ((c === 0x22 || c === 0x27) && afterEquals) quote = c;
    else if (c === 0x3e /* > */) return i + 1;
    if (c === 0x3d /* = */) afterEquals = true;
    else if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) afterEquals = false;
  }
  return html.length;
}
