import type { Modification } from '../../protocol/index.js';
import type { HeaderEdit } from '../policy/header-edits.js';

/**
 * A verdict's header edits as milter modifications, in an order every MTA applies correctly.
 *
 * CHGHEADER addresses the Nth header of a name (1-based, counted by the MTA). Postfix renumbers
 * after each deletion, so deleting copies 1 then 2 of a name deletes copies 1 and 3: forged
 * copies are deleted from the last to the first (OpenDKIM's CVE-2022-48521 was this mistake
 * with Authentication-Results). New headers are appended with ADDHEADER, never inserted by
 * position: Sendmail's INSHEADER index also counts headers the filter never saw (its own
 * Received:), so a position computed from what we saw can land in the wrong place.
 *
 * `leadSpace`: SMFIP_HDR_LEADSPC was agreed, so values we send carry the space after the colon.
 */
export function planHeaderEdits(edits: readonly HeaderEdit[], leadSpace: boolean): Modification[] {
  const sp = leadSpace ? ' ' : '';
  const mods: Modification[] = [];
  for (const e of edits) {
    switch (e.op) {
      case 'delete':
        for (const copy of [...e.copies].sort((a, b) => b - a)) mods.push({ kind: 'chgheader', index: copy, name: e.name, value: '' });
        break;
      case 'replace':
        mods.push({ kind: 'chgheader', index: 1, name: e.name, value: sp + e.value });
        break;
      case 'add':
        mods.push({ kind: 'addheader', name: e.name, value: sp + e.value });
        break;
    }
  }
  return mods;
}
