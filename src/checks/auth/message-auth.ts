import type { ARCResult, DKIMVerifyResult, DMARCResult } from 'mailauth';
import type { Check, CheckContext, Hit } from '../../engine/check.js';
import type { Message } from '../../message/message.js';
import type { Services } from '../../scan/services.js';
import { arcHits, arcSymbols } from './arc.js';
import { authenticationResults, claimsAuthservId, spfRow } from './authentication-results.js';
import { DkimSink, dkimHits, dkimSymbols, isSigned, signatureKeys, type Verification } from './dkim.js';
import { dmarcHits, dmarcResult, dmarcSymbols, type DmarcEvidence } from './dmarc.js';
import { MailauthResolver } from './mailauth-resolver.js';
import { mailauth } from './mailauth.js';

// The end-of-message half of sender authentication: DKIM, then ARC and DMARC on its results
// (and on SPF's, from MAIL), then the Authentication-Results header with all four. One check
// because they are one computation: DMARC needs the DKIM results, ARC the verifier's chain.
//
// Timing: the verifier opens when the body starts, and the DNS lookups it will make (signing
// keys, the From domain's DMARC record) start then too, so they run while the body arrives.

export interface MessageAuthOptions {
  authservId: string;
  timeoutMs: number;
  /** DKIM symbols and results; verification runs anyway when ARC or DMARC needs it. */
  dkim: { enabled: boolean; minKeyBits: number };
  arc: boolean;
  dmarc: { enabled: boolean; apply: boolean; rejectReply: string; trustedSealers: readonly string[] };
}

/** What was set going when the body started, found again at end of message. */
interface Pending {
  resolver: MailauthResolver;
  /** Absent when the message carries no signature: nothing to hash. */
  sink?: DkimSink;
}

/** The From header's domain, as the DMARC record is looked up (a single address only). */
function fromDomain(message: Message): string | undefined {
  const from = message.header('from');
  if (from.length !== 1) return undefined;
  const addresses = from[0]!.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/\([^()]*\)/g, '').match(/[^\s<>,;:@"]+@([A-Za-z0-9.-]+)/g) ?? [];
  if (addresses.length !== 1) return undefined;
  return addresses[0]!.split('@').pop()!.toLowerCase().replace(/\.$/, '');
}

async function verifyHeadersOnly(message: Message, resolver: MailauthResolver, minKeyBits: number): Promise<Verification> {
  const sink = new DkimSink('auth', message, resolver, minKeyBits);
  sink.end();
  return sink.result;
}

export function messageAuthCheck(o: MessageAuthOptions): Check {
  const pending = new WeakMap<Message, Pending>();
  const name = 'auth';

  const start = (message: Message, services: Services): Pending => {
    const resolver = new MailauthResolver(services.resolver);
    const p: Pending = { resolver };
    if (isSigned(message)) {
      for (const key of signatureKeys(message)) resolver.prefetch(key, 'TXT');
      p.sink = new DkimSink(name, message, resolver, o.dkim.minKeyBits);
    }
    const domain = o.dmarc.enabled ? fromDomain(message) : undefined;
    if (domain !== undefined) resolver.prefetch(`_dmarc.${domain}`, 'TXT');
    pending.set(message, p);
    return p;
  };

  return {
    name,
    stage: 'eom',
    symbols: { ...(o.dkim.enabled ? dkimSymbols : {}), ...(o.arc ? arcSymbols : {}), ...(o.dmarc.enabled ? dmarcSymbols : {}) },
    headers: [{ name: 'Authentication-Results', forged: (value) => claimsAuthservId(value, o.authservId) }],
    timeoutMs: o.timeoutMs,
    openBody({ message, services }) {
      return start(message, services).sink;
    },
    async run(ctx: CheckContext): Promise<Hit[]> {
      const { message, services, signal } = ctx;
      const p = pending.get(message) ?? start(message, services);
      pending.delete(message);
      p.resolver.follow(signal);
      const verified = await (p.sink?.result ?? verifyHeadersOnly(message, p.resolver, o.dkim.minKeyBits));
      if (!verified.ok) throw verified.error;
      const dkim = verified.value;
      const rows: string[] = o.dkim.enabled ? dkim.results.map((r) => r.info) : [];
      const spf = spfRow(message);
      if (spf !== undefined) rows.push(spf);
      const hits = o.dkim.enabled ? dkimHits(dkim.results) : [];

      const lib = await mailauth();
      let arc: ARCResult | undefined;
      if (o.arc && dkim.arc) {
        arc = await lib.arc(dkim.arc as Parameters<typeof lib.arc>[0], { resolver: p.resolver.resolve, minBitLength: o.dkim.minKeyBits });
        hits.push(...arcHits(arc));
        if (arc.info) rows.push(arc.info);
      }
      if (o.dmarc.enabled) hits.push(...(await dmarc(message, dkim, arc, p.resolver, rows)));
      ctx.addHeader('Authentication-Results', authenticationResults(o.authservId, rows));
      return hits;
    },
  };

  async function dmarc(message: Message, dkim: DKIMVerifyResult, arc: ARCResult | undefined, resolver: MailauthResolver, rows: string[]): Promise<Hit[]> {
    const domain = dkim.headerFrom.length === 1 ? dkim.headerFrom[0]!.split('@').pop()!.toLowerCase() : undefined;
    const evidence: DmarcEvidence | undefined = domain
      ? {
          fromDomain: domain,
          dkimDomains: dkim.results.filter((r) => r.status.result === 'pass').map((r) => r.signingDomain),
          spfDomain: message.spf?.result === 'pass' ? message.spf.domain : undefined,
        }
      : undefined;
    let r: DMARCResult | false = false;
    if (evidence !== undefined) {
      r = await (await mailauth()).dmarc({
        headerFrom: dkim.headerFrom,
        spfDomains: evidence.spfDomain !== undefined ? [evidence.spfDomain] : [],
        dkimDomains: dkim.results.filter((x) => x.status.result === 'pass').map((x) => ({ id: x.id, domain: x.signingDomain, aligned: x.status.aligned, underSized: x.status.underSized })),
        ...(arc !== undefined ? { arcResult: arc } : {}),
        resolver: resolver.resolve,
      });
      if (r !== false && r.info) rows.push(r.info.replace(/^dmarc=\w+/, `dmarc=${dmarcResult(r, evidence)}`));
    }
    return dmarcHits(r, evidence, arc, { apply: o.dmarc.apply, rejectReply: o.dmarc.rejectReply, trustedSealers: o.dmarc.trustedSealers, authenticated: message.authenticated });
  }
}
