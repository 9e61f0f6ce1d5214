import type { ARCResult } from 'mailauth';
import type { Hit, SymbolDef } from '../../engine/check.js';

// ARC (RFC 8617): the seals forwarders (mailing lists, forwarding services) add, saying what
// authentication they saw before they changed or re-sent the message. A valid chain says
// only that the sealers are who they claim; anyone can seal, so it is worth nothing on its
// own. What it is for: DMARC rescue by a sealer the admin trusts (auth.arc.trusted_sealers).

export const arcSymbols: Record<string, SymbolDef> = {
  ARC_PASS: { score: 0, description: 'ARC: the chain of forwarding seals verified (detail: instances and the last sealer)' },
  ARC_FAIL: { score: 0.5, description: 'ARC: the chain of forwarding seals is broken or does not verify' },
  ARC_NONE: { score: 0, description: 'ARC: the message carries no ARC seal' },
};

/** The signing domain of the newest seal, lower case (the forwarder that handed us the message). */
export function lastSealer(arc: ARCResult): string | undefined {
  const chain = arc.chain;
  const last = chain && chain.length > 0 ? chain[chain.length - 1] : undefined;
  const d: unknown = last?.['arc-seal']?.parsed?.d?.value;
  return typeof d === 'string' && d !== '' ? d.toLowerCase() : undefined;
}

/** What the newest sealer recorded for DMARC before it forwarded the message (its ARC-Authentication-Results). */
export function sealedDmarc(arc: ARCResult): string | undefined {
  const r: unknown = arc.authenticationResults?.dmarc?.result;
  return typeof r === 'string' ? r.toLowerCase() : undefined;
}

export function arcHits(arc: ARCResult): Hit[] {
  switch (arc.status.result) {
    case 'pass':
      return [{ symbol: 'ARC_PASS', detail: `i=${arc.i} ${lastSealer(arc) ?? ''}`.trim() }];
    case 'none':
      return [{ symbol: 'ARC_NONE' }];
    default:
      return [{ symbol: 'ARC_FAIL', detail: `i=${arc.i}${arc.status.comment ? ` (${arc.status.comment})` : ''}` }];
  }
}
