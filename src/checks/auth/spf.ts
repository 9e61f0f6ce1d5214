import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import type { Message } from '../../message/message.js';
import { isLocalAddress } from '../../net/ip.js';
import { MailauthResolver } from './mailauth-resolver.js';
import { mailauth } from './mailauth.js';

// SPF (RFC 7208): may the client send mail for the envelope sender's domain? Checked when MAIL
// arrives, the earliest the envelope allows, so its lookups (up to 10, plus MX and PTR
// expansions) are done while the client sends recipients and the body, not at end of message.
// The null sender (bounces) is checked on the HELO name instead, as RFC 7208 2.3 says.
//
// The weights follow what the other filters settled on (SpamAssassin's SPF_* and rspamd's
// R_SPF_*): a pass is weak ham evidence (spammers publish SPF for their own domains), a fail
// is evidence but forwarding breaks SPF for honest mail too, and errors say nothing about the
// message. Each is overridable under `scores:`, as SmarterMail's table allows.

export type SpfResult = NonNullable<Message['spf']>['result'];

const SYMBOL: Record<SpfResult, string> = {
  pass: 'SPF_PASS',
  neutral: 'SPF_NEUTRAL',
  softfail: 'SPF_SOFTFAIL',
  fail: 'SPF_FAIL',
  none: 'SPF_NONE',
  temperror: 'SPF_TEMPERROR',
  permerror: 'SPF_PERMERROR',
};

export const spfSymbols: Record<string, SymbolDef> = {
  SPF_PASS: { score: -0.2, description: 'SPF: the sender domain permits the client' },
  SPF_NEUTRAL: { score: 0.5, description: 'SPF: the sender domain says nothing about the client (?all)' },
  SPF_SOFTFAIL: { score: 1.0, description: 'SPF: the sender domain probably does not permit the client (~all)' },
  SPF_FAIL: { score: 2.0, description: 'SPF: the sender domain does not permit the client (-all)' },
  SPF_NONE: { score: 0, description: 'SPF: the sender domain publishes no SPF record' },
  SPF_TEMPERROR: { score: 0, description: 'SPF: a DNS lookup failed (time-out, server failure); not judged' },
  SPF_PERMERROR: { score: 0.5, description: "SPF: the sender domain's record is broken (syntax, more than 10 lookups, more than 2 void lookups)" },
};

const RESULTS = new Set<string>(Object.keys(SYMBOL));

/** The client SPF judges, or why there is none: only a remote client on an IP address, not logged in. */
function spfClient(message: Message): string | undefined {
  const client = message.client;
  if (client === undefined || (client.family !== 'inet' && client.family !== 'inet6') || client.address === '') return undefined;
  // Your own relays and users are not judged on the sender domain's SPF (they are not on it).
  if (message.authenticated || isLocalAddress(client.address)) return undefined;
  return client.address;
}

export function spfCheck(o: { authservId: string; timeoutMs: number }): Check {
  return {
    name: 'spf',
    stage: 'mail',
    symbols: spfSymbols,
    timeoutMs: o.timeoutMs,
    async run({ message, services, signal }): Promise<Hit[]> {
      const ip = spfClient(message);
      const sender = message.sender?.address ?? '';
      const helo = message.helo?.trim() ?? '';
      if (ip === undefined || (sender === '' && helo === '')) return [];
      const { spf } = await mailauth();
      const resolver = new MailauthResolver(services.resolver, signal);
      const r = await spf({ sender, ip, helo, mta: o.authservId, resolver: resolver.resolve });
      const result = RESULTS.has(r.status.result) ? (r.status.result as SpfResult) : 'temperror';
      message.spf = { result, domain: r.domain };
      const identity = sender === '' ? ' (HELO)' : '';
      return [{ symbol: SYMBOL[result], detail: `${r.domain}${identity}` }];
    },
  };
}
