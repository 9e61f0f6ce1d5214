import type { Modification } from '../../protocol/index.js';

/**
 * All header edits of one verdict, in an order every MTA applies correctly.
 *
 * CHGHEADER addresses the Nth header of a name (1-based, counted by the MTA). Postfix renumbers
 * after each deletion, so deleting copies 1 then 2 of a name deletes copies 1 and 3: forged
 * copies are deleted from the last to the first (OpenDKIM's CVE-2022-48521 was this mistake
 * with Authentication-Results). New headers are appended with ADDHEADER, never inserted by
 * position: Sendmail's INSHEADER index also counts headers the filter never saw (its own
 * Received:), so a position computed from what we saw can land in the wrong place.
 */
export interface HeaderPlanInput {
  /** Incoming copies of the headers we own, per name as received, values in order. */
  forged: ReadonlyMap<string, readonly string[]>;
  forgedMode: 'remove' | 'rename';
  forgedPrefix: string;
  /** A new Subject, when the verdict tags it; `index` 0 when the message had none. */
  subject?: { value: string; exists: boolean };
  /** Headers to append, values without the leading space. */
  add: readonly { name: string; value: string }[];
  /** SMFIP_HDR_LEADSPC agreed: values we send must carry the space after the colon. */
  leadSpace: boolean;
}

export function planHeaderEdits(p: HeaderPlanInput): Modification[] {
  const sp = p.leadSpace ? ' ' : '';
  const mods: Modification[] = [];
  for (const [name, values] of p.forged) {
    for (let i = values.length; i >= 1; i--) mods.push({ kind: 'chgheader', index: i, name, value: '' });
  }
  if (p.forgedMode === 'rename') {
    for (const [name, values] of p.forged) {
      for (const value of values) mods.push({ kind: 'addheader', name: `${p.forgedPrefix}${name}`, value: sp + value });
    }
  }
  if (p.subject) {
    mods.push(
      p.subject.exists
        ? { kind: 'chgheader', index: 1, name: 'Subject', value: sp + p.subject.value }
        : { kind: 'addheader', name: 'Subject', value: sp + p.subject.value },
    );
  }
  for (const h of p.add) mods.push({ kind: 'addheader', name: h.name, value: sp + h.value });
  return mods;
}

/** The subject with the spam prefix, unless it already starts with it. */
export function taggedSubject(current: string | undefined, prefix: string): string {
  const subject = current ?? '';
  return subject.startsWith(prefix) ? subject : `${prefix}${subject}`;
}
