import { registrableDomain } from '../net/domain.js';

// Link hosts for the Bayes tokenizer: `u:` the host, `ud:` its registrable domain
// (src/net/domain.ts). Found by scheme or "www." in lower-cased text; the host is a bounded
// run of host characters, so the search is linear.

const LINK_HOST = /(?:https?:\/\/|\bwww\.)([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,10})/g;
/** Hosts taken from one text: a page of links says what it says with the first ones. */
const MAX_HOSTS = 50;

export function urlHostTokens(text: string, add: (token: string) => void): void {
  LINK_HOST.lastIndex = 0;
  let n = 0;
  for (let m = LINK_HOST.exec(text); m !== null && n < MAX_HOSTS; m = LINK_HOST.exec(text), n++) {
    const host = m[1]!.replace(/^www\./, '');
    add(`u:${host}`);
    add(`ud:${registrableDomain(host)}`);
  }
}
