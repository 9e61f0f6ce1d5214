import { describe, expect, it } from 'vitest';
import { packHashes, tokenHash, unpackHashes } from '../../src/store/token-hash.js';

describe('tokenHash', () => {
  it('is a stable 48-bit integer that tells tokens apart', () => {
    const a = tokenHash('viagra');
    expect(tokenHash('viagra')).toBe(a);
    expect(Number.isSafeInteger(a) && a >= 0 && a < 2 ** 48).toBe(true);
    const many = new Set(Array.from({ length: 100_000 }, (_, i) => tokenHash(`token${i}`)));
    expect(many.size).toBe(100_000);
    expect(tokenHash('s:free')).not.toBe(tokenHash('free'));
  });

  it('packs hashes 6 bytes each and unpacks them', () => {
    const hashes = [0, 1, 2 ** 48 - 1, tokenHash('x'), tokenHash('ümlaut')];
    const packed = packHashes(hashes);
    expect(packed.length).toBe(30);
    expect(unpackHashes(packed)).toEqual(hashes);
  });
});
