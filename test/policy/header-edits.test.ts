import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { decide, policyFromConfig } from '../../src/policy/decide.js';
import { headerEdits, taggedSubject } from '../../src/policy/header-edits.js';

const config = parseConfig({ headers: { subject_prefix: '[SPAM] ' } });
const verdict = (score: number) => decide({ symbols: [], score, failures: [] }, policyFromConfig(config));
const base = { headers: config.headers, forged: new Map<string, string[]>(), subject: 'hi', subjectTag: true };

describe('header edits of a verdict', () => {
  it('removes every forged copy, then adds the verdict headers', () => {
    const edits = headerEdits({ ...base, verdict: verdict(0), forged: new Map([['X-Spam-Status', ['Yes', 'No']]]) });
    expect(edits[0]).toEqual({ op: 'delete', name: 'X-Spam-Status', count: 2 });
    expect(edits.slice(1).map((e) => e.name)).toEqual(['X-Spam-Status', 'X-Spam-Result']);
  });

  it('renames forged copies when configured, keeping their values', () => {
    const headers = { ...config.headers, forged: 'rename' as const };
    const edits = headerEdits({ ...base, headers, verdict: verdict(0), forged: new Map([['X-Spam-Status', ['No, score=-100']]]) });
    expect(edits.slice(0, 2)).toEqual([
      { op: 'delete', name: 'X-Spam-Status', count: 1 },
      { op: 'add', name: 'X-Forged-X-Spam-Status', value: 'No, score=-100' },
    ]);
  });

  it('tags the subject of spam: replaces the first Subject, or adds one; not when the policy says no', () => {
    expect(headerEdits({ ...base, verdict: verdict(9) })).toContainEqual({ op: 'replace', name: 'Subject', value: '[SPAM] hi' });
    expect(headerEdits({ ...base, verdict: verdict(9), subject: undefined })).toContainEqual({ op: 'add', name: 'Subject', value: '[SPAM] ' });
    expect(headerEdits({ ...base, verdict: verdict(9), subjectTag: false }).some((e) => e.name === 'Subject')).toBe(false);
    expect(headerEdits({ ...base, verdict: verdict(1) }).some((e) => e.name === 'Subject')).toBe(false);
  });

  it('does not prefix a subject twice', () => {
    expect(taggedSubject('***SPAM*** win', '***SPAM*** ')).toBe('***SPAM*** win');
    expect(taggedSubject('win', '***SPAM*** ')).toBe('***SPAM*** win');
    expect(taggedSubject(undefined, '***SPAM*** ')).toBe('***SPAM*** ');
  });
});
