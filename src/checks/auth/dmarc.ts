import type { ARCResult, DMARCResult } from 'mailauth';
import type { Hit, SymbolDef } from '../../engine/check.js';
import type { Outcome } from '../../engine/result.js';
import { lastSealer, sealedDmarc } from './arc.js';

// DMARC (RFC 7489): the From domain's own policy for mail that neither SPF nor DKIM
// authenticates for it (aligned: the same organisational domain, or the very domain under
// adkim=s / aspf=s). The symbol carries the policy, so a failure under p=reject weighs more
// than one under p=none (rspamd's DMARC_POLICY_* weights), and with auth.dmarc.apply_policy
// the policy itself becomes the verdict.

export const dmarcSymbols: Record<string, SymbolDef> = {
  DMARC_PASS: { score: -0.5, description: 'DMARC: SPF or DKIM authenticates the From domain' },
  DMARC_FAIL_REJECT: { score: 2.0, description: 'DMARC: the From domain is not authenticated and asks receivers to reject such mail (p=reject)' },
  DMARC_FAIL_QUARANTINE: { score: 1.5, description: 'DMARC: the From domain is not authenticated and asks receivers to quarantine such mail (p=quarantine)' },
  DMARC_FAIL_NONE: { score: 0.1, description: 'DMARC: the From domain is not authenticated; its policy asks for nothing (p=none)' },
  DMARC_NONE: { score: 0, description: 'DMARC: the From domain publishes no DMARC policy, or the message has no single From address' },
  DMARC_TEMPERROR: { score: 0, description: "DMARC: the policy's DNS lookup failed; not judged" },
  DMARC_ARC_OVERRIDE: { score: 0, description: 'DMARC failed after forwarding, but a trusted forwarder sealed (ARC) that it passed before: not held against the message' },
};

const FAIL_SYMBOL: Record<string, string> = { reject: 'DMARC_FAIL_REJECT', quarantine: 'DMARC_FAIL_QUARANTINE', none: 'DMARC_FAIL_NONE' };

export interface DmarcEvidence {
  /** The From address's domain, lower case. */
  fromDomain: string;
  /** Signing domains of the DKIM signatures that verified. */
  dkimDomains: readonly string[];
  /** The SPF domain, when SPF passed. */
  spfDomain: string | undefined;
}

/**
 * mailauth 4.13 passes strictness to its alignment test as an object, which is always truthy
 * and falls through to relaxed matching: adkim=s and aspf=s are not enforced (fixed in its
 * 5.x, which needs Node 22). Under a strict record the identifier must be the From domain itself.
 */
export function strictlyAligned(r: DMARCResult, e: DmarcEvidence): boolean {
  const dkim = r.alignment.dkim.strict ? e.dkimDomains.some((d) => d.toLowerCase() === e.fromDomain) : Boolean(r.alignment.dkim.result);
  const spf = r.alignment.spf.strict ? e.spfDomain?.toLowerCase() === e.fromDomain : Boolean(r.alignment.spf.result);
  return dkim || spf;
}

/** The result as DMARC judges it here: mailauth's, with strict alignment enforced. */
export function dmarcResult(r: DMARCResult, e: DmarcEvidence): string {
  const result = r.status.result;
  return result === 'pass' && !strictlyAligned(r, e) ? 'fail' : result;
}

/** The sealer is one of the trusted, or a subdomain of one. */
export function isTrusted(sealer: string, trusted: readonly string[]): boolean {
  return trusted.some((t) => sealer === t || sealer.endsWith(`.${t}`));
}

/** A trusted forwarder's valid seal says DMARC passed before it forwarded the message. */
export function arcOverride(arc: ARCResult | undefined, trusted: readonly string[]): string | undefined {
  if (arc === undefined || arc.status.result !== 'pass' || trusted.length === 0) return undefined;
  const sealer = lastSealer(arc);
  if (sealer === undefined || !isTrusted(sealer, trusted) || sealedDmarc(arc) !== 'pass') return undefined;
  return sealer;
}

/** The policy that applies after pct= sampling (RFC 7489 6.6.4: the unsampled get the next milder one). */
export function sampledPolicy(policy: string, pct: number | undefined, random: () => number): string {
  if (pct === undefined || pct >= 100 || random() * 100 < pct) return policy;
  return policy === 'reject' ? 'quarantine' : 'none';
}

export interface DmarcOptions {
  apply: boolean;
  rejectReply: string;
  trustedSealers: readonly string[];
  /** Never applied to authenticated senders (their mail is signed after us, if at all). */
  authenticated: boolean;
  random?: () => number;
}

/** Only letters, digits, dots and hyphens of a domain reach an SMTP reply. */
const replySafe = (domain: string): string => domain.replace(/[^A-Za-z0-9.-]/g, '?');

function outcomeOf(policy: string, domain: string, o: DmarcOptions): Outcome | undefined {
  if (policy === 'reject') return { family: 'spam', action: 'reject', reply: o.rejectReply.replace(/\{domain\}/g, replySafe(domain)) };
  if (policy === 'quarantine') return { family: 'spam', action: 'quarantine', reason: `DMARC policy of ${replySafe(domain)}: quarantine` };
  return undefined;
}

/** The DMARC symbols, and the policy as the verdict when the admin applies it. */
export function dmarcHits(r: DMARCResult | false, e: DmarcEvidence | undefined, arc: ARCResult | undefined, o: DmarcOptions): Hit[] {
  if (r === false || e === undefined) return [{ symbol: 'DMARC_NONE', detail: 'no single From address' }];
  const result = dmarcResult(r, e);
  const policy = (r.policy || 'none').toLowerCase();
  const detail = `${e.fromDomain} p=${policy}`;
  switch (result) {
    case 'pass':
      return [{ symbol: 'DMARC_PASS', detail }];
    case 'none':
      return [{ symbol: 'DMARC_NONE', detail: e.fromDomain }];
    case 'fail': {
      const sealer = arcOverride(arc, o.trustedSealers);
      if (sealer !== undefined) return [{ symbol: 'DMARC_ARC_OVERRIDE', detail: `${detail} sealed by ${sealer}` }];
      const hit: Hit = { symbol: FAIL_SYMBOL[policy] ?? 'DMARC_FAIL_NONE', detail };
      if (o.apply && !o.authenticated) {
        const outcome = outcomeOf(sampledPolicy(policy, r.pct, o.random ?? Math.random), e.fromDomain, o);
        if (outcome !== undefined) hit.outcome = outcome;
      }
      return [hit];
    }
    default:
      return [{ symbol: 'DMARC_TEMPERROR', detail: e.fromDomain }];
  }
}
