// Links in a message: http(s) and www. URLs written in text, and the hrefs of HTML anchors with
// the text they show. Hosts are lower-cased, user info (`http://bank.com@evil.example/`) is
// dropped as browsers do, and IP literals are recognised. Linear in the input; no backtracking.

export interface Url {
  href: string;
  /** Lower-case host name or IP literal, without port or trailing dot. */
  host: string;
  /** The host is an IP address (dotted, a bare 32-bit number, or bracketed IPv6). */
  ip: boolean;
  /** An anchor's visible text. */
  display?: string;
  from: 'text' | 'html';
}

/** Longest URL kept: longer runs are cut (they are still one link). */
export const MAX_URL_LENGTH = 2048;

// A run of URL characters after the scheme or `www.`: a single bounded character class, so each
// match is linear and matches never overlap.
const TEXT_URL = new RegExp(`(?:\\bhttps?://|\\bwww\\.)[^\\s<>"'\`\\x00-\\x1f\\x7f]{1,${MAX_URL_LENGTH}}`, 'gi');

/** Characters that end a sentence rather than a URL: `see http://x.example/.` */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', "'", '"', '>']);

/** Appends the URLs written in `text` to `into`, until it holds `cap` entries. */
export function urlsFromText(text: string, into: Url[], cap: number): void {
  TEXT_URL.lastIndex = 0;
  for (let m = TEXT_URL.exec(text); m !== null && into.length < cap; m = TEXT_URL.exec(text)) {
    let href = m[0];
    let end = href.length;
    while (end > 0 && TRAILING.has(href[end - 1]!)) end--;
    href = href.slice(0, end);
    const host = hostOf(href);
    if (host !== undefined) into.push({ href, host: host.name, ip: host.ip, from: 'text' });
  }
}

/** Appends an anchor's href if it is a web link (http, https, protocol-relative or www.). */
export function addHref(href: string, display: string, into: Url[], cap: number): void {
  if (into.length >= cap) return;
  const trimmed = href.trim().slice(0, MAX_URL_LENGTH);
  const host = hostOf(trimmed);
  if (host !== undefined) into.push({ href: trimmed, host: host.name, ip: host.ip, display, from: 'html' });
}

const SCHEME = /^([a-z][a-z0-9+.-]{0,30}):/i;
const IPV4 = /^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$/;
/** A bare number or hex number is an IPv4 address to browsers (`http://3232235777/`). */
const IP_NUMBER = /^(?:[0-9]{1,10}|0x[0-9a-f]{1,8})$/;

/** The host of a web link, or undefined for other schemes, relative links and empty hosts. */
export function hostOf(href: string): { name: string; ip: boolean } | undefined {
  let rest: string;
  const scheme = SCHEME.exec(href);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== 'http' && name !== 'https') return undefined;
    rest = href.slice(scheme[0].length);
  } else if (href.startsWith('//')) rest = href;
  else if (href.slice(0, 4).toLowerCase() === 'www.') rest = `//${href}`;
  else return undefined;
  // Browsers treat backslashes like slashes and allow any number of them.
  let i = 0;
  while (i < rest.length && (rest[i] === '/' || rest[i] === '\\')) i++;
  let end = i;
  while (end < rest.length && !'/\\?#'.includes(rest[end]!)) end++;
  let authority = rest.slice(i, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let name: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    name = close < 0 ? authority.slice(1) : authority.slice(1, close);
    return name === '' ? undefined : { name: name.toLowerCase(), ip: true };
  }
  const colon = authority.indexOf(':');
  name = (colon < 0 ? authority : authority.slice(0, colon)).toLowerCase();
  let last = name.length;
  while (last > 0 && name[last - 1] === '.') last--;
  name = name.slice(0, last);
  if (name === '') return undefined;
  return { name, ip: IPV4.test(name) || IP_NUMBER.test(name) };
}
