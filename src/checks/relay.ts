import type { DnsblConfig } from '../config/dnsbl.js';
import { messageResolver } from '../dns/per-message.js';
import type { Resolver } from '../dns/resolver.js';
import type { Check, Hit, SymbolDef } from '../engine/check.js';
import type { ClientInfo, Message } from '../message/message.js';
import { dottedQuad, isLocalAddress, parseAddress } from '../net/ip.js';
import { heloDns, reverseDns } from './dns/reverse.js';

// The connecting client: its reverse-DNS name and its HELO. Mail servers have a stable,
// forward-named host with a real HELO; spam comes from infected home machines on addresses
// the provider names after the address (ppp-124-120-143-91.example.net, dsl, cable, dyn...),
// saying HELO with the PC's Windows name. Postfix's reject_unknown_client_hostname and
// reject_non_fqdn_helo_hostname, and SpamAssassin's RDNS_NONE, RDNS_DYNAMIC and HELO_* rules,
// are the same evidence.
//
// Not judged: clients on loopback or private addresses (the site's own relays and users) and
// authenticated senders (a user at home submits through the same dynamic address as a bot).
// The client comes from the MTA, or for a saved message from its Received header
// (message/received.ts).
//
// With dnsbl.reverse_dns on, DNS is asked too (checks/dns/reverse.ts; the lookups start at
// connect and HELO): when the MTA reports no name, whether the address has no PTR at all
// (RDNS_NONE) or a PTR whose name does not lead back to it (RDNS_NOT_CONFIRMED), and whether a
// HELO name resolves and to the client. A DNS failure falls back to what the MTA said.

const symbols: Record<string, SymbolDef> = {
  // A saved message's Received lines do not say it reliably, so the corpus cannot tune it;
  // SpamAssassin scores it 0.8 to 1.3, rspamd 2.
  RDNS_NONE: { score: 1.0, description: 'The client has no reverse-DNS name (the MTA reports it unknown)' },
  RDNS_DYNAMIC: { score: 1.7, description: "The client's reverse-DNS name is a consumer or dynamic address (holds the address, or dsl, ppp, dyn, cable...)" },
  HELO_NOT_FQDN: { score: 1.5, description: 'HELO is a bare word, neither a domain name nor an address literal' },
  HELO_IP_MISMATCH: { score: 1.0, description: "HELO is an IP address other than the client's" },
};

/** Symbols only DNS can tell (dnsbl.reverse_dns). */
const dnsSymbols: Record<string, SymbolDef> = {
  RDNS_NOT_CONFIRMED: { score: 1.0, description: "The client's PTR name does not resolve back to its address (no forward-confirmed reverse DNS)" },
  HELO_NO_RESOLVE: { score: 0.5, description: 'The HELO name has no address in DNS' },
  // Many legitimate servers say HELO with a name of their cluster rather than their own: evidence, not a verdict.
  HELO_NOT_CLIENT: { score: 0.3, description: "The HELO name resolves, but not to the client's address" },
};

/** Words providers name consumer and dynamic address pools with, as a whole label or part. */
const POOL_WORD = /(?:^|[.\d-])(?:dyn|dynamic|dhcp|ppp|pppoe|dsl|adsl|xdsl|vdsl|cable|dial|dialup|dialin|pool|cpe|broadband|catv)(?:[.\d-]|$)/;

/** Postfix reports a client without a (forward-confirmed) name as "unknown", Sendmail as "[address]". */
function hasNoName(client: ClientInfo): boolean {
  return client.hostname === 'unknown' || client.hostname.startsWith('[');
}

/**
 * The name spells out the IPv4 address: its four numbers as consecutive digit runs, in order
 * or reversed (ppp-124-120-143-91, 91.143.120.124.dsl), or run together (cs2427121-96 for
 * 24.27.121.96); or it names a pool in the labels before the provider's own domain.
 * Zero-padded runs (mail-oln040092067049, Microsoft's outbound relays) are a naming scheme
 * for servers, not a pool, and do not count.
 */
export function isDynamicName(hostname: string, address: string): boolean {
  const name = hostname.toLowerCase();
  const ip = parseAddress(address);
  if (ip?.v === 4 && spellsAddress(name.match(/\d+/g) ?? [], dottedQuad(ip.n).split('.'))) return true;
  const labels = name.split('.');
  return labels.length > 2 && POOL_WORD.test(labels.slice(0, -2).join('.'));
}

/** Shortest run-together address taken as spelled out: shorter ones occur by chance. */
const MIN_JOINED_DIGITS = 7;

function spellsAddress(runs: readonly string[], octets: readonly string[]): boolean {
  const reversed = [...octets].reverse();
  const joined = [octets.join(''), reversed.join('')].filter((j) => j.length >= MIN_JOINED_DIGITS);
  for (let i = 0; i < runs.length; i++) {
    const next4 = runs.slice(i, i + 4);
    if (next4.length === 4 && (same(next4, octets) || same(next4, reversed))) return true;
    for (let k = i + 1; k <= Math.min(i + 4, runs.length); k++) {
      if (joined.includes(runs.slice(i, k).join(''))) return true;
    }
  }
  return false;
}

const same = (a: readonly string[], b: readonly string[]) => a.every((x, i) => x === b[i]);

/** The client judged: public and not logged in. */
function judgedClient(message: Message): ClientInfo | undefined {
  const client = message.client;
  if (client === undefined || (client.family !== 'inet' && client.family !== 'inet6')) return undefined;
  if (isLocalAddress(client.address) || message.authenticated) return undefined;
  return client;
}

export function relayHits(message: Message): Hit[] {
  const client = judgedClient(message);
  if (client === undefined) return [];
  const hits: Hit[] = [];
  if (hasNoName(client)) hits.push({ symbol: 'RDNS_NONE', detail: client.address });
  else if (client.hostname !== '' && isDynamicName(client.hostname, client.address)) hits.push({ symbol: 'RDNS_DYNAMIC', detail: client.hostname.slice(0, 100) });
  hits.push(...heloHits(client, message));
  return hits;
}

function heloHits(client: ClientInfo, message: Message): Hit[] {
  const hits: Hit[] = [];
  const helo = message.helo?.trim();
  if (helo !== undefined && helo !== '') {
    // An address literal ([192.0.2.1], [IPv6:2001:db8::1], as RFC 5321 wants) or a bare address.
    const literal = parseAddress(helo);
    const own = parseAddress(client.address);
    // Compared as numbers: one address has many spellings (2001:db8::5, ::ffff:192.0.2.5).
    if (literal === undefined && !helo.includes('.')) hits.push({ symbol: 'HELO_NOT_FQDN', detail: helo.slice(0, 100) });
    else if (literal !== undefined && (own === undefined || literal.v !== own.v || literal.n !== own.n)) hits.push({ symbol: 'HELO_IP_MISMATCH', detail: helo.slice(0, 100) });
  }
  return hits;
}

/** The relay symbols with DNS evidence: the MTA's word where it gave a name, DNS's where it did not. */
export async function relayHitsWithDns(message: Message, resolver: Resolver): Promise<Hit[]> {
  const client = judgedClient(message);
  if (client === undefined) return [];
  const hits: Hit[] = [];
  const helo = message.helo?.trim() ?? '';
  const askHelo = helo.includes('.') && parseAddress(helo) === undefined;
  const [rdns, heloAnswer] = await Promise.all([
    client.hostname === '' || hasNoName(client) ? reverseDns(resolver, client.address) : undefined,
    askHelo ? heloDns(resolver, helo, client.address) : undefined,
  ]);
  if (rdns === undefined) {
    if (isDynamicName(client.hostname, client.address)) hits.push({ symbol: 'RDNS_DYNAMIC', detail: client.hostname.slice(0, 100) });
  } else if (rdns.kind === 'none') hits.push({ symbol: 'RDNS_NONE', detail: `${client.address} (no PTR)` });
  else if (rdns.kind === 'unconfirmed') hits.push({ symbol: 'RDNS_NOT_CONFIRMED', detail: rdns.name.slice(0, 100) });
  else if (rdns.kind === 'confirmed') {
    if (isDynamicName(rdns.name, client.address)) hits.push({ symbol: 'RDNS_DYNAMIC', detail: rdns.name.slice(0, 100) });
  } else if (hasNoName(client)) hits.push({ symbol: 'RDNS_NONE', detail: client.address });
  hits.push(...heloHits(client, message));
  if (heloAnswer === 'no-address') hits.push({ symbol: 'HELO_NO_RESOLVE', detail: helo.slice(0, 100) });
  else if (heloAnswer === 'other') hits.push({ symbol: 'HELO_NOT_CLIENT', detail: `${helo.slice(0, 100)} (client ${client.address})` });
  return hits;
}

/** The relay check; with dnsbl.reverse_dns it also asks DNS (within the DNS checks' time limit). */
export function relayCheck(dns: Pick<DnsblConfig, 'reverse_dns' | 'check_timeout_seconds'>): Check {
  // The DNS symbols are declared either way, so their scores can be set before DNS is turned on.
  const all = { ...symbols, ...dnsSymbols };
  if (!dns.reverse_dns) {
    return {
      name: 'relay',
      // At the end of the message, when SMTP AUTH is known; nothing here refuses at connect.
      stage: 'eom',
      symbols: all,
      run: ({ message }) => relayHits(message),
    };
  }
  return {
    name: 'relay',
    stage: 'eom',
    symbols: all,
    timeoutMs: dns.check_timeout_seconds * 1000,
    run: ({ message, services }) => relayHitsWithDns(message, messageResolver(services.resolver, message)),
  };
}
