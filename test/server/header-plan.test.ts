import { describe, expect, it } from 'vitest';
import type { HeaderEdit } from '../../src/policy/header-edits.js';
import { planHeaderEdits } from '../../src/server/header-plan.js';

describe('milter header edit planner', () => {
  it('deletes forged copies from the last to the first, per name, before adding ours', () => {
    const edits: HeaderEdit[] = [
      { op: 'delete', name: 'X-Spam-Status', copies: [1, 2, 3] },
      { op: 'delete', name: 'X-Spam-Flag', copies: [1] },
      { op: 'add', name: 'X-Spam-Status', value: 'No' },
    ];
    expect(planHeaderEdits(edits, true)).toEqual([
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
    for (const m of planHeaderEdits([{ op: 'delete', name: 'X-Spam-Status', copies: [1, 2, 3] }], true)) {
      if (m.kind !== 'chgheader') continue;
      let seen = 0;
      const at = headers.findIndex(([n]) => n!.toLowerCase() === m.name.toLowerCase() && ++seen === m.index);
      expect(at).toBeGreaterThanOrEqual(0);
      headers.splice(at, 1);
    }
    expect(headers).toEqual([['Subject', 's']]);
  });

  it('removes only the chosen copies, keeping the others in place (Authentication-Results of other hosts)', () => {
    const headers = [['Authentication-Results', 'other; ok'], ['Authentication-Results', 'ours; forged'], ['Subject', 's'], ['Authentication-Results', 'ours; forged too'], ['Authentication-Results', 'third; ok']];
    for (const m of planHeaderEdits([{ op: 'delete', name: 'Authentication-Results', copies: [2, 3] }], true)) {
      if (m.kind !== 'chgheader') continue;
      let seen = 0;
      headers.splice(headers.findIndex(([n]) => n === m.name && ++seen === m.index), 1);
    }
    expect(headers.map(([, v]) => v)).toEqual(['other; ok', 's', 'third; ok']);
  });

  it('replaces the first copy of a name, and sends values without the space unless agreed', () => {
    expect(planHeaderEdits([{ op: 'replace', name: 'Subject', value: '[SPAM] hi' }], true)).toEqual([{ kind: 'chgheader', index: 1, name: 'Subject', value: ' [SPAM] hi' }]);
    expect(planHeaderEdits([{ op: 'add', name: 'Subject', value: '[SPAM] ' }], false)).toEqual([{ kind: 'addheader', name: 'Subject', value: '[SPAM] ' }]);
  });
});
