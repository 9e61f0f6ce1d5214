import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { DKIMResult, DKIMVerifyResult } from 'mailauth';
import type { Hit, SymbolDef } from '../../engine/check.js';
import type { BodySink } from '../../message/body-tee.js';
import type { Message } from '../../message/message.js';
import type { MailauthResolver } from './mailauth-resolver.js';
import { mailauth } from './mailauth.js';

// DKIM (RFC 6376): signatures verified with mailauth's own verifier, fed as a stream. The
// headers go in when the body starts, then every body chunk the MTA sends, through the body
// tee: the body hash covers the whole body, whatever limits.max_scan_bytes keeps for the
// content checks, and nothing is buffered (the verifier hashes each chunk as it comes; the
// stream in front of it holds at most its 16 KiB high-water mark before the tee waits).
//
// Scores: a valid signature is weak evidence on its own (anyone can sign with a domain of
// their own), stronger when it is the From domain's (SpamAssassin's DKIM_VALID and
// DKIM_VALID_AU, rspamd's R_DKIM_ALLOW); a signature that does not verify is a forgery or a
// message changed in transit (a mailing-list footer): on the development mail 9.1 % of ham and
// 8.6 % of spam carry a body hash that no longer verifies, so it weighs next to nothing
// (SpamAssassin's DKIM_INVALID, 0.1); a forged From is DMARC's to judge.

export const dkimSymbols: Record<string, SymbolDef> = {
  DKIM_VALID: { score: -0.2, description: 'DKIM: a signature verified (detail: domain and selector)' },
  DKIM_VALID_ALIGNED: { score: -0.3, description: 'DKIM: a signature of the From domain verified (aligned, as DMARC counts it)' },
  DKIM_INVALID: { score: 0.1, description: 'DKIM: a signature did not verify (body or signed headers changed, bad signature, expired)' },
  DKIM_PERMERROR: { score: 0, description: "DKIM: a signature's key is missing, unusable or too weak; not judged" },
  DKIM_NONE: { score: 0, description: 'DKIM: the message is not signed' },
  DKIM_TEMPERROR: { score: 0, description: "DKIM: a signing key's DNS lookup failed; not judged" },
};

/** The headers whose presence needs the body hashed: DKIM signatures and the ARC chain's. */
const SIGNED = new Set(['dkim-signature', 'arc-message-signature', 'arc-seal']);

export function isSigned(message: Message): boolean {
  return message.headers.some((h) => SIGNED.has(h.name.toLowerCase()));
}

/**
 * The header block as the sender wrote it, as far as the MTA tells us: one space after the
 * colon (milter values come without it; simple header canonicalisation of a header written
 * without a space cannot verify), folded lines as they came (the verifier makes LF into CRLF).
 */
export function headerBlock(message: Message): Buffer {
  return Buffer.from(message.headers.map((h) => `${h.name}: ${h.value}\r\n`).join('') + '\r\n', 'utf8');
}

/** `d=` and `s=` of each DKIM-Signature, so the key lookups can start before the body ends. */
export function signatureKeys(message: Message): string[] {
  const names: string[] = [];
  for (const value of message.header('dkim-signature')) {
    const tags = new Map(value.split(';').map((t) => { const i = t.indexOf('='); return [t.slice(0, i).trim().toLowerCase(), t.slice(i + 1).replace(/\s+/g, '')] as const; }));
    const d = tags.get('d');
    const s = tags.get('s');
    if (d && s) names.push(`${s}._domainkey.${d}`);
  }
  return names;
}

export type Verification = { ok: true; value: DKIMVerifyResult } | { ok: false; error: Error };

/**
 * The verifier of one message: a body sink that streams into mailauth's DKIM verifier. The
 * verification ends (key lookups, signature checks) after the body does; `result` settles then.
 */
export class DkimSink implements BodySink {
  readonly name: string;
  readonly limit = Number.MAX_SAFE_INTEGER;
  readonly result: Promise<Verification>;
  private readonly input = new PassThrough();

  constructor(name: string, message: Message, resolver: MailauthResolver, minKeyBits: number) {
    this.name = name;
    this.result = mailauth().then(({ dkimVerify }) => dkimVerify(this.input, { resolver: resolver.resolve, sender: message.sender?.address || undefined, minBitLength: minKeyBits })).then(
      (value): Verification => ({ ok: true, value }),
      (error: unknown): Verification => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.input.write(headerBlock(message));
  }

  write(chunk: Buffer): void | Promise<void> {
    if (!this.input.write(chunk)) return once(this.input, 'drain').then(() => undefined);
  }

  end(): void {
    this.input.end();
  }

  /** The transaction lets go of every sink when the message is over; one that ended has nothing to release. */
  abort(reason: string): void {
    if (!this.input.writableEnded) this.input.destroy(new Error(reason));
  }
}

/**
 * The signature could not be checked for want of a usable key (mailauth's comments): no
 * evidence of forgery, as a key removed after a rotation or a short key is not.
 */
const KEY_PROBLEMS = new Set(['no key', 'unknown key version', 'unknown key type', 'invalid public key']);
const keyProblem = (r: DKIMResult): boolean => r.status.result === 'policy' || KEY_PROBLEMS.has(r.status.comment ?? '');

/** What one signature says, for details: its domain and selector. */
const who = (r: DKIMResult): string => `${r.signingDomain}${r.selector ? ` s=${r.selector}` : ''}`;

/** The DKIM symbols of a verification: every signature counts (a message may carry several). */
export function dkimHits(results: readonly DKIMResult[]): Hit[] {
  const signed = results.filter((r) => r.signingDomain);
  if (signed.length === 0) return [{ symbol: 'DKIM_NONE' }];
  const hits: Hit[] = [];
  const passed = signed.filter((r) => r.status.result === 'pass');
  if (passed.length > 0) hits.push({ symbol: 'DKIM_VALID', detail: passed.map(who).join(', ') });
  const aligned = passed.filter((r) => r.status.aligned);
  if (aligned.length > 0) hits.push({ symbol: 'DKIM_VALID_ALIGNED', detail: aligned.map(who).join(', ') });
  const failed = signed.filter((r) => ['fail', 'neutral', 'policy', 'permerror'].includes(r.status.result));
  const why = (r: DKIMResult) => `${who(r)}${r.status.comment ? ` (${r.status.comment})` : ''}`;
  const invalid = failed.filter((r) => !keyProblem(r));
  if (invalid.length > 0) hits.push({ symbol: 'DKIM_INVALID', detail: invalid.map(why).join(', ') });
  const unusable = failed.filter(keyProblem);
  if (unusable.length > 0) hits.push({ symbol: 'DKIM_PERMERROR', detail: unusable.map(why).join(', ') });
  const temp = signed.filter((r) => r.status.result === 'temperror');
  if (temp.length > 0) hits.push({ symbol: 'DKIM_TEMPERROR', detail: temp.map(who).join(', ') });
  return hits;
}
