import { describe, expect, it } from 'vitest';
import { planHeaderEdits, taggedSubject } from '../../src/policy/header-plan.js';

const base = { forgedMode: 'remove' as const, forgedPrefix: 'X-Forged-', add: [{ name: 'X-Spam-Status', value: 'No' }], leadSpace: true };

describe('header edit planner', () => {
  it('deletes forged copies from the last to the first, per name, before adding ours', () => {
    const forged = new Map([
      ['X-Spam-Status', ['Yes', 'No, score=-100', 'No']],
      ['X-Spam-Flag', ['NO']],
    ]);
    expect(planHeaderEdits({ ...base, forged })).toEqual([
      { kind: 'chgheader', index: 3, name: 'X-Spam-Status', value: '' },
      { kind: 'chgheader', index: 2, name: 'X-Spam-Status', value: '' },
      { kind: 'chgheader', index: 1, name: 'X-Spam-Status', value: '' },
      { kind: 'chgheader', index: 1, name: 'X-Spam-Flag', value: '' },
      { kind: 'addheader', name: 'X-Spam-Status', value: ' No' },
    ]);
  });

  it('simulated on a Postfix-like header list, removes exactly the forged copies', () => {
    // Postfix semantics: CHGHEADER index N = the Nth header of that name in the current list.
    const headers = [['X-Spam-Status', 'forged1'], ['Subject', 's'], ['X-Spam-Status', 'forged2'], ['X-Spam-Status', 'forged3']];
    const forged = new Map([['X-Spam-Status', ['forged1', 'forged2', 'forged3']]]);
    for (const m of planHeaderEdits({ ...base, forged, add: [] })) {
      if (m.kind !== 'chgheader') continue;
      let seen = 0;
      const at = headers.findIndex(([n]) => n!.toLowerCase() === m.name.toLowerCase() && ++seen === m.index);
      expect(at).toBeGreaterThanOrEqual(0);
      headers.splice(at, 1);
    }
    expect(headers).toEqual([['Subject', 's']]);
  });

  it('renames forged copies when configured, keeping their values', () => {
    const forged = new Map([['X-Spam-Status', ['No, score=-100']]]);
    const plan = planHeaderEdits({ ...base, forged, forgedMode: 'rename', add: [] });
    expect(plan).toEqual([
      { kind: 'chgheader', index: 1, name: 'X-Spam-Status', value: '' },
      { kind: 'addheader', name: 'X-Forged-X-Spam-Status', value: ' No, score=-100' },
    ]);
  });

  it('changes the first Subject, or adds one when the message had none', () => {
    expect(planHeaderEdits({ ...base, forged: new Map(), add: [], subject: { value: '[SPAM] hi', exists: true } })).toEqual([
      { kind: 'chgheader', index: 1, name: 'Subject', value: ' [SPAM] hi' },
    ]);
    expect(planHeaderEdits({ ...base, forged: new Map(), add: [], leadSpace: false, subject: { value: '[SPAM] ', exists: false } })).toEqual([
      { kind: 'addheader', name: 'Subject', value: '[SPAM] ' },
    ]);
  });

  it('does not prefix a subject twice', () => {
    expect(taggedSubject('***SPAM*** win', '***SPAM*** ')).toBe('***SPAM*** win');
    expect(taggedSubject('win', '***SPAM*** ')).toBe('***SPAM*** win');
    expect(taggedSubject(undefined, '***SPAM*** ')).toBe('***SPAM*** ');
  });
});
