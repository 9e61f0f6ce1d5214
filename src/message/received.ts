import { isLocalAddress, parseAddress } from '../net/ip.js';
import type { ClientInfo, Message } from './message.js';
import { unfold } from './mime.js';

// The relay a message entered the receiving site from, read from its Received headers. A live
// milter is told the connecting client by the MTA; a saved message (`thresher check` of a
// file, `thresher eval`) only has the Received header the receiving MTA wrote for that
// connection. SpamAssassin reads it the same way when it scans a file: walking down from the
// newest header, the first hop from a public address is the one that handed the mail in; the
// hops above it are the site's own relays (loopback, private networks).
//
// Each MTA writes the connection in its own words; these are read:
//   Sendmail, Postfix, Google: from HELO (NAME [IP])   no name: from HELO ([IP]) or (unknown [IP])
//   Exim:                      from NAME ([IP] helo=HELO)          no name: from [IP] (helo=HELO)
//   qmail:                     from NAME (HELO helo) (IP)          no name: from unknown (HELO helo) (IP)
//   Exchange:                  from HELO (IP)                      (no name recorded)
// A name is only taken where the format says it is the reverse-DNS name; where the format is
// ambiguous (Sendmail's "from HELO ([IP])" is also Exim's "from NAME ([IP])") it stays unknown.

export interface Relay {
  /** The name the client gave in HELO/EHLO. */
  helo: string;
  /** The client's IP address. */
  address: string;
  /** Its reverse-DNS name; '' when the header does not say. */
  hostname: string;
}

/** Received headers looked at; a message with more is looping or stuffed. */
const MAX_HOPS = 30;
/** Characters of one Received value read: the from-clause comes first. */
const MAX_VALUE_CHARS = 1000;

const IP = String.raw`(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4}:[0-9a-f:.]{1,41})`;
const NAME = String.raw`([^\s()\[\]]{1,255})`;
// Every part is bounded and separated by a fixed character: matching is linear.
const BRACKETED = new RegExp(String.raw`^from\s+${NAME}\s+\(([^()\[\]]{0,300})\[(?:ipv6:)?${IP}\]([^()]{0,300})`, 'i');
const EXIM_NO_NAME = new RegExp(String.raw`^from\s+\[(?:ipv6:)?${IP}\](?::\d{1,5})?\s+\((?:[^()]{0,100}\s)?helo=${NAME}`, 'i');
const PLAIN = new RegExp(String.raw`^from\s+${NAME}\s+(?:\(helo\s+${NAME}\)\s+)?\((?:[^()@\s]{1,64}@)?${IP}\)`, 'i');
const EXIM_HELO = /helo=([^\s()]{1,255})/i;

/** The connection one Received value records, if it records one this reader knows. */
export function parseReceived(value: string): Relay | undefined {
  const v = unfold(value.slice(0, MAX_VALUE_CHARS)).trim();
  let m = BRACKETED.exec(v);
  if (m !== null) {
    const [, first, inside, address, after] = m as unknown as [string, string, string, string, string];
    const eximHelo = EXIM_HELO.exec(after)?.[1];
    if (eximHelo !== undefined) return { helo: eximHelo, address, hostname: first };
    return { helo: first, address, hostname: nameOf(inside) };
  }
  m = EXIM_NO_NAME.exec(v);
  if (m !== null) return { helo: m[2]!, address: m[1]!, hostname: '' };
  m = PLAIN.exec(v);
  if (m !== null) {
    const [, first, helo, address] = m as unknown as [string, string, string | undefined, string];
    if (helo === undefined) return { helo: first, address, hostname: '' };
    return { helo, address, hostname: first.toLowerCase() === 'unknown' ? '' : first };
  }
  return undefined;
}

/** "IDENT:root@host.example", "root@host.example", "host.example." → host.example; "unknown" → ''. */
function nameOf(inside: string): string {
  const word = inside.trim().split(/\s+/, 1)[0] ?? '';
  const name = word.slice(word.lastIndexOf('@') + 1).replace(/\.$/, '');
  return name.toLowerCase() === 'unknown' || name.includes('=') ? '' : name;
}

/** The first hop, newest first, from a public address: the relay the receiving site took the mail from. */
export function entryRelay(message: Pick<Message, 'header'>): Relay | undefined {
  const values = message.header('received');
  for (let i = 0; i < values.length && i < MAX_HOPS; i++) {
    const hop = parseReceived(values[i]!);
    if (hop !== undefined && parseAddress(hop.address) !== undefined && !isLocalAddress(hop.address)) return hop;
  }
  return undefined;
}

/** The client and HELO a saved message came from, by its entry relay (undefined: not known). */
export function clientFromReceived(message: Pick<Message, 'header'>): { client: ClientInfo; helo: string | undefined } | undefined {
  const relay = entryRelay(message);
  if (relay === undefined) return undefined;
  return { client: { hostname: relay.hostname, address: relay.address, port: 0, family: parseAddress(relay.address)?.v === 6 ? 'inet6' : 'inet' }, helo: relay.helo };
}

/** Sets the message's client and HELO from its entry relay, as if that relay had connected. */
export function setClientFromReceived(message: Message): void {
  const from = clientFromReceived(message);
  if (from === undefined) return;
  message.client = from.client;
  message.helo = from.helo;
}
