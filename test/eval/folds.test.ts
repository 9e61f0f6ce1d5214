import { sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignFolds, type FoldKey } from '../../src/eval/folds.js';
import { messageId, sourceOf } from '../../src/eval/sources.js';

function keys(): FoldKey[] {
  const out: FoldKey[] = [];
  for (let i = 0; i < 103; i++) out.push({ group: 'a/spam', id: `a/spam/${i}.eml` });
  for (let i = 0; i < 41; i++) out.push({ group: 'a/ham', id: `a/ham/${i}.eml` });
  for (let i = 0; i < 7; i++) out.push({ group: 'b/spam', id: `b/spam/${i}.eml` });
  return out;
}

describe('assignFolds', () => {
  it('gives the same folds on every run and whatever the input order', () => {
    const k = keys();
    const first = assignFolds(k, 5, 0);
    expect(assignFolds(k, 5, 0)).toEqual(first);
    const reversed = [...k].reverse();
    const byId = new Map(reversed.map((key, i) => [key.id, assignFolds(reversed, 5, 0)[i]]));
    expect(k.map((key) => byId.get(key.id))).toEqual(first);
  });

  it('deals each group evenly: fold sizes differ by at most one within every group', () => {
    const k = keys();
    const folds = assignFolds(k, 5, 0);
    for (const group of ['a/spam', 'a/ham', 'b/spam']) {
      const sizes = [0, 0, 0, 0, 0];
      k.forEach((key, i) => key.group === group && sizes[folds[i]!]!++);
      expect(Math.max(...sizes) - Math.min(...sizes), group).toBeLessThanOrEqual(1);
      expect(sizes.reduce((a, b) => a + b)).toBe(k.filter((key) => key.group === group).length);
    }
  });

  it('shuffles differently with another seed, and not in input order', () => {
    const k = keys();
    const a = assignFolds(k, 5, 0);
    const b = assignFolds(k, 5, 1);
    expect(a).not.toEqual(b);
    // Round-robin in input order would give 0,1,2,3,4,0,...: the hash order must not.
    expect(a.slice(0, 10)).not.toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  });

  it('refuses fewer than two folds', () => {
    expect(() => assignFolds(keys(), 1, 0)).toThrow(/at least 2/);
  });
});

describe('sources', () => {
  it('names a source after the folder, or the folder above a spam or ham folder', () => {
    expect(sourceOf('../shared/corpus/spamassassin/spam')).toBe('spamassassin');
    expect(sourceOf('../shared/corpus/spamassassin/ham/')).toBe('spamassassin');
    expect(sourceOf('/var/mail/junk-2024')).toBe('junk-2024');
    expect(sourceOf('/tmp/box.mbox')).toBe('box.mbox');
  });

  it('makes fold ids that do not depend on how the argument is spelled', () => {
    const a = messageId('sa', '/c/sa/spam', '/c/sa/spam/x/1.eml');
    const b = messageId('sa', '/c/sa/spam/', '/c/sa/spam/./x/1.eml');
    expect(a).toBe(b);
    // An mbox named on the command line: its own name, with the message's number.
    expect(messageId('sa', '/c/box.mbox', '/c/box.mbox#12')).toBe(`sa${sep}box.mbox#12`);
  });
});
