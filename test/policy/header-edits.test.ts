import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { emptyResult } from '../../src/engine/result.js';
import { decide, policyFromConfig } from '../../src/policy/decide.js';
import { headerEdits, taggedSubject, type ForgedCopy } from '../../src/policy/header-edits.js';

const config = parseConfig({ headers: { subject_prefix: '[SPAM] ' } });
const verdict = (score: number, headers = emptyResult().headers) => decide({ ...emptyResult(), score, headers }, policyFromConfig(config));
const base = { headers: config.headers, forged: new Map<string, ForgedCopy[]>(), subject: 'hi', subjectTag: true };
const copies = (...values: string[]) => values.map((value, i) => ({ copy: i + 1, value }));

describe('header edits of a verdict', () => {
  it('removes every forged copy, then adds the verdict headers', () => {
    const edits = headerEdits({ ...base, verdict: verdict(0), forged: new Map([['X-Spam-Status', copies('Yes', 'No')]]) });
    expect(edits[0]).toEqual({ op: 'delete', name: 'X-Spam-Status', copies: [1, 2] });
    expect(edits.slice(1).map((e) => e.name)).toEqual(['X-Spam-Status', 'X-Spam-Result']);
  });

  it('renames forged copies when configured, keeping their values', () => {
    const headers = { ...config.headers, forged: 'rename' as const };
    const edits = headerEdits({ ...base, headers, verdict: verdict(0), forged: new Map([['X-Spam-Status', copies('No, score=-100')]]) });
    expect(edits.slice(0, 2)).toEqual([
      { op: 'delete', name: 'X-Spam-Status', copies: [1] },
      { op: 'add', name: 'X-Forged-X-Spam-Status', value: 'No, score=-100' },
    ]);
  });

  it('tags the subject of spam: replaces the first Subject, or adds one; not when the policy says no', () => {
    expect(headerEdits({ ...base, verdict: verdict(9) })).toContainEqual({ op: 'replace', name: 'Subject', value: '[SPAM] hi' });
    expect(headerEdits({ ...base, verdict: verdict(9), subject: undefined })).toContainEqual({ op: 'add', name: 'Subject', value: '[SPAM] ' });
    expect(headerEdits({ ...base, verdict: verdict(9), subjectTag: false }).some((e) => e.name === 'Subject')).toBe(false);
    expect(headerEdits({ ...base, verdict: verdict(1) }).some((e) => e.name === 'Subject')).toBe(false);
  });

  it('removes only the forged copies of a name, by their number among all its copies', () => {
    const forged = new Map([['Authentication-Results', [{ copy: 2, value: 'mx.example; spf=pass' }, { copy: 4, value: 'mx.example; dkim=pass' }]]]);
    expect(headerEdits({ ...base, verdict: verdict(0), forged })[0]).toEqual({ op: 'delete', name: 'Authentication-Results', copies: [2, 4] });
  });

  it("adds the checks' own headers before the verdict headers", () => {
    const edits = headerEdits({ ...base, verdict: verdict(0, [{ name: 'X-Virus-Status', value: 'Clean' }]) });
    expect(edits.map((e) => e.name)).toEqual(['X-Virus-Status', 'X-Spam-Status', 'X-Spam-Result']);
  });

  it('does not prefix a subject twice', () => {
    expect(taggedSubject('***SPAM*** win', '***SPAM*** ')).toBe('***SPAM*** win');
    expect(taggedSubject('win', '***SPAM*** ')).toBe('***SPAM*** win');
    expect(taggedSubject(undefined, '***SPAM*** ')).toBe('***SPAM*** ');
  });
});
