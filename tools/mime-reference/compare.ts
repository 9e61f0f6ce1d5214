import type { ScanLimits } from '../../src/message/message.js';
import { DIFFERENCES, type Field } from './differences.js';
import { ourView, referenceView, type AddressField, type MessageView } from './views.js';

export { DIFFERENCES, FIELDS, type Field } from './differences.js';

// The differential comparison of Thresher's MIME walker with mailparser, one message at a time:
// each field either agrees (after the normalisation below), or agrees once the deliberate
// differences listed in differences.ts are allowed for, or disagrees.

/** 'agree', the ids of the deliberate differences that explain the field, or 'disagree'. */
export type Outcome = 'agree' | 'disagree' | string[];

export interface Comparison {
  outcomes: Record<Field, Outcome>;
  ours: MessageView;
  reference: MessageView;
}

/** Compares one raw message field by field. */
export async function compareMessage(raw: Buffer, limits: ScanLimits): Promise<Comparison> {
  const ours = ourView(raw, limits);
  const reference = await referenceView(raw);
  const outcomes = {} as Record<Field, Outcome>;
  for (const field of ['plain', 'html', 'attachments', 'subject', 'from', 'to'] as const) {
    outcomes[field] = compareField(field, ours, reference);
  }
  return { outcomes, ours, reference };
}

function compareField(field: Field, ours: MessageView, reference: MessageView): Outcome {
  if (same(field, ours, reference)) return 'agree';
  // Deliberate differences apply one after the other: a message can need several.
  let o = ours;
  let r = reference;
  const used: string[] = [];
  for (const difference of DIFFERENCES) {
    if (difference.field !== field) continue;
    const [o2, r2] = difference.allow(o, r);
    if (o2 === o && r2 === r) continue;
    used.push(difference.id);
    o = o2;
    r = r2;
    if (same(field, o, r)) return used;
  }
  return 'disagree';
}

/** CRLF and LF are the same line end; white space at the ends of a part is not compared. */
export function normaliseText(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

function same(field: Field, a: MessageView, b: MessageView): boolean {
  if (field === 'from' || field === 'to') return addressesAgree(a[field], b[field]);
  return JSON.stringify(fieldKey(field, a)) === JSON.stringify(fieldKey(field, b));
}

function fieldKey(field: Exclude<Field, 'from' | 'to'>, v: MessageView): unknown {
  switch (field) {
    case 'plain':
      return v.plain.map((p) => normaliseText(p.text));
    case 'html':
      return v.html.map((p) => normaliseText(p.text));
    case 'attachments':
      return v.attachments.map((a) => [a.name, a.type, a.size]);
    case 'subject':
      // mailparser turns the tab of a folded line into a space; unfolding keeps it (RFC 5322 2.2.3).
      return v.subject.replace(/\s+/g, ' ').trim();
  }
}

/**
 * Our decoded address field agrees with mailparser's mailboxes when every word of their
 * addresses and display names is in it (without case). Words, because mailparser reads the
 * field's syntax (comments dropped, quotes and escapes removed, names joined) and the checks
 * read the decoded field as it stands: what is compared is the decoding of the words.
 */
function addressesAgree(a: AddressField, b: AddressField): boolean {
  const [ours, mailboxes] = a.mailboxes.length === 0 ? [a.text, b.mailboxes] : [b.text, a.mailboxes];
  const have = new Set(wordsOf(ours));
  const want = mailboxes.flatMap((m) => [...wordsOf(m.name), ...wordsOf(m.address)]);
  return want.every((w) => have.has(w)) && (want.length > 0 || have.size === 0);
}

function wordsOf(s: string): string[] {
  // A backslash quotes the next character (RFC 5322 quoted-pair): not a word break.
  return s.replace(/\\/g, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
