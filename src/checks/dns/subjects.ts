import { parseReceived } from '../../message/received.js';
import type { Message } from '../../message/message.js';
import { partsOf } from '../../message/parts.js';
import { registrableDomain } from '../../net/domain.js';
import { CidrSet, parseAddress } from '../../net/ip.js';

// What the DNS lists are asked about: client addresses (the connecting client, and optionally
// the untrusted hops of Received), and the registrable domains of the message's links.

/** Received headers read looking for untrusted hops. */
const MAX_RECEIVED = 20;

export interface AddressSubject {
  address: string;
  /** '' for the connecting client, else "received" (a hop of the Received headers). */
  via: '' | 'received';
}

export function isTrusted(address: string, trusted: CidrSet): boolean {
  return trusted.match(address) !== undefined;
}

/** The connecting client unless trusted, then up to `hops` untrusted Received hops, each address once. */
export function addressSubjects(message: Message, hops: number, trusted: CidrSet): AddressSubject[] {
  const out: AddressSubject[] = [];
  const seen = new Set<string>();
  const add = (address: string, via: AddressSubject['via']) => {
    const ip = parseAddress(address);
    if (ip === undefined || isTrusted(address, trusted)) return false;
    const key = `${ip.v}:${ip.n}`;
    if (seen.has(key)) return false;
    seen.add(key);
    out.push({ address, via });
    return true;
  };
  const client = message.client;
  if (client !== undefined && (client.family === 'inet' || client.family === 'inet6')) add(client.address, '');
  let taken = 0;
  const received = hops > 0 ? message.header('received') : [];
  for (let i = 0; i < received.length && i < MAX_RECEIVED && taken < hops; i++) {
    const hop = parseReceived(received[i]!);
    if (hop !== undefined && add(hop.address, 'received')) taken++;
  }
  return out;
}

const DOMAIN = /^(?=.{4,200}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** Registrable domains of the message's links, in order of first appearance, at most `cap`. */
export function linkedDomains(message: Message, cap: number): string[] {
  const out = new Set<string>();
  for (const url of partsOf(message).urls) {
    if (out.size >= cap) break;
    if (url.ip) continue;
    const domain = registrableDomain(url.host);
    if (DOMAIN.test(domain)) out.add(domain);
  }
  return [...out];
}
