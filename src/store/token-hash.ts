// Tokens are stored as 48-bit hashes, as SpamAssassin stores 40-bit ones: a fixed 6 bytes
// per token whatever its length, and the value stays a JavaScript safe integer, so SQLite
// reads and writes it without BigInt. With a million tokens the chance that two share a hash
// is about 0.2 %, and a shared hash only blends two tokens' counts.

/** Bits kept of each token's hash. */
export const TOKEN_HASH_BITS = 48;

/**
 * A 48-bit hash of a string (cyrb53 by bryc, public domain, truncated): two 32-bit
 * multiply-xorshift lanes over the UTF-16 code units. Not cryptographic; an attacker who makes
 * two tokens collide gains nothing they could not get by writing the token itself.
 */
export function tokenHash(token: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 & 0xffff) * 0x100000000 + (h1 >>> 0);
}

/** Token hashes packed 6 bytes each (big-endian), for the list of a learned message. */
export function packHashes(hashes: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(hashes.length * 6);
  for (let i = 0; i < hashes.length; i++) out.writeUIntBE(hashes[i]!, i * 6, 6);
  return out;
}

export function unpackHashes(packed: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 6 <= packed.length; at += 6) out.push(packed.readUIntBE(at, 6));
  return out;
}
