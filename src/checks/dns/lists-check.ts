import type { DnsblConfig } from '../../config/dnsbl.js';
import { messageResolver } from '../../dns/per-message.js';
import type { Check, CheckContext, Hit, SymbolDef } from '../../engine/check.js';
import { CidrSet } from '../../net/ip.js';
import { DnsList, type ListEnv } from './dns-list.js';
import { addressSubjects, isTrusted, linkedDomains } from './subjects.js';

// DNS lists at end of message: the client's address (and optionally untrusted Received hops)
// against the ip_lists, the linked domains against the domain_lists. The client's lookups were
// started at connect (prefetchCheck), so their answers are usually cached by now. Authenticated
// senders are not judged: a user submitting from home is on a consumer address that end-user
// lists (Spamhaus PBL) rightly list.

const FAILED_SYMBOL = 'DNS_LIST_FAILED';

export interface DnsLists {
  ip: DnsList[];
  domain: DnsList[];
  trusted: CidrSet;
}

export function buildLists(c: DnsblConfig): DnsLists {
  const settings = { breaker: c.breaker, probe_interval_seconds: c.probe_interval_seconds };
  return {
    ip: c.ip_lists.map((l) => new DnsList(l, 'ip', settings)),
    domain: c.domain_lists.map((l) => new DnsList(l, 'domain', settings)),
    trusted: new CidrSet(c.trusted_networks),
  };
}

export function listEnv(ctx: Pick<CheckContext, 'services' | 'message'>): ListEnv {
  const s = ctx.services;
  return { resolver: messageResolver(s.resolver, ctx.message), shared: s.resolver, clock: s.clock, log: s.log };
}

function symbolsOf(lists: DnsLists): Record<string, SymbolDef> {
  const symbols: Record<string, SymbolDef> = {
    [FAILED_SYMBOL]: { score: 0, description: 'A DNS list could not answer (error code, time-out, SERVFAIL, circuit open, failed probe); detail: the list and why' },
  };
  for (const list of [...lists.ip, ...lists.domain]) {
    for (const { symbol, score } of list.reader.symbols()) {
      symbols[symbol] ??= { score, description: `Listed by ${list.zone}${list.kind === 'domain' ? ' (a linked domain)' : ''}` };
    }
  }
  return symbols;
}

/** The DNS list check; with no list configured it declares its symbols and answers nothing at once. */
export function listsCheck(c: DnsblConfig, lists: DnsLists): Check {
  if (lists.ip.length + lists.domain.length === 0) return { name: 'dns-lists', stage: 'eom', symbols: symbolsOf(lists), run: () => [] };
  return {
    name: 'dns-lists',
    stage: 'eom',
    needsBody: lists.domain.length > 0,
    timeoutMs: c.check_timeout_seconds * 1000,
    symbols: symbolsOf(lists),
    async run(ctx) {
      const { message } = ctx;
      const env = listEnv(ctx);
      const asks: Promise<Hit[]>[] = [];
      if (!message.authenticated) {
        for (const subject of addressSubjects(message, c.received_hops, lists.trusted)) {
          for (const list of lists.ip) asks.push(ask(list, subject.address, subject.via === '' ? '' : ` via Received ${subject.address}`, env));
        }
      }
      if (lists.domain.length > 0) {
        for (const domain of linkedDomains(message, c.max_domains)) {
          for (const list of lists.domain) asks.push(ask(list, domain, ` for ${domain}`, env));
        }
      }
      return merge((await Promise.all(asks)).flat());
    },
  };
}

async function ask(list: DnsList, subject: string, about: string, env: ListEnv): Promise<Hit[]> {
  const outcome = await list.ask(subject, env);
  switch (outcome.kind) {
    case 'clean':
      return [];
    case 'listed':
      return outcome.listed.map(({ symbol, code }) => ({ symbol, detail: `${list.zone} ${code}${about}` }));
    case 'failed':
    case 'skipped':
      return [{ symbol: FAILED_SYMBOL, detail: `${list.zone}: ${outcome.reason}` }];
  }
}

/** One hit per symbol, its details joined (a list answering two codes, two lists failing). */
function merge(hits: Hit[]): Hit[] {
  const by = new Map<string, string[]>();
  for (const h of hits) {
    const details = by.get(h.symbol) ?? [];
    if (h.detail !== undefined && !details.includes(h.detail)) details.push(h.detail);
    by.set(h.symbol, details);
  }
  return [...by].map(([symbol, details]) => ({ symbol, detail: details.join('; ').slice(0, 300) }));
}

/** The client's lookups started at connect: answers arrive while SMTP carries on. */
export function prefetchClient(ctx: Pick<CheckContext, 'services' | 'message'>, lists: DnsLists): void {
  const client = ctx.message.client;
  if (client === undefined || (client.family !== 'inet' && client.family !== 'inet6')) return;
  if (isTrusted(client.address, lists.trusted)) return;
  const env = listEnv(ctx);
  for (const list of lists.ip) list.prefetch(client.address, env);
}
