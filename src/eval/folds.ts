// Deterministic, balanced fold assignment for k-fold cross-validation.
import { createHash } from 'node:crypto';

export interface FoldKey {
  /** Groups dealt separately so every fold gets its share of each (e.g. source and label). */
  group: string;
  /** Stable identity of the message inside its group (a path relative to its source). */
  id: string;
}

/**
 * Assigns each item a fold in [0, k). Inside every group, items are ordered by a hash of
 * (seed, id) and dealt round-robin, starting at a seed-dependent fold: the order looks
 * random, is the same on every run and machine, and each fold gets ⌊n/k⌋ or ⌈n/k⌉ of every
 * group, so a small source is not left out of some fold by chance.
 */
export function assignFolds(keys: readonly FoldKey[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`folds must be an integer of at least 2, not ${k}`);
  const groups = new Map<string, { index: number; hash: string }[]>();
  keys.forEach((key, index) => {
    const list = groups.get(key.group) ?? [];
    list.push({ index, hash: createHash('sha256').update(`${seed}\0${key.id}`).digest('hex') });
    groups.set(key.group, list);
  });
  const folds = new Array<number>(keys.length).fill(0);
  for (const [group, list] of groups) {
    list.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.index - b.index));
    const offset = createHash('sha256').update(`${seed}\0${group}`).digest().readUInt32BE(0) % k;
    list.forEach((item, i) => (folds[item.index] = (i + offset) % k));
  }
  return folds;
}
