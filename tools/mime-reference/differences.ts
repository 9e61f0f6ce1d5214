import type { AddressField, MessageView, TextPart } from './views.js';

// The deliberate differences between Thresher's MIME walker and mailparser. Each one names the
// field it touches, says why Thresher differs, and rewrites the two views so that a message
// differing only in this way compares equal. Anything not on this list is a disagreement.

export const FIELDS = ['plain', 'html', 'attachments', 'subject', 'from', 'to'] as const;
export type Field = (typeof FIELDS)[number];

export interface Difference {
  id: string;
  field: Field;
  reason: string;
  /** The two views with this difference taken out (the same objects when it does not apply). */
  allow(ours: MessageView, reference: MessageView): [MessageView, MessageView];
}

const OCTET_STREAM = 'application/octet-stream';
const BROKEN_BASE64_REASON =
  'Base64 that breaks its rules (data after the = padding, bytes outside the alphabet) has no defined decoding: '
  + "Node's decoder stops at the padding, mailparser's goes on. Thresher reports MIME_BAD_BASE64; the parts are "
  + 'compared by count, name and type, and their text only as far as half of the shorter one.';

/** Text parts that agree in number and in the first half of each (see BROKEN_BASE64_REASON). */
function sameStart(a: TextPart[], b: TextPart[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const x = p.text.replace(/\r\n?/g, '\n');
    const y = b[i]!.text.replace(/\r\n?/g, '\n');
    const half = Math.floor(Math.min(x.length, y.length) / 2);
    return x.slice(0, half) === y.slice(0, half);
  });
}
const DELIVERY_STATUS = 'message/delivery-status';

export const DIFFERENCES: readonly Difference[] = [
  {
    id: 'flowed-paragraphs',
    field: 'plain',
    reason:
      'format=flowed: mailparser (libmime) keeps joining a paragraph across an empty or quote-only line after a '
      + 'flowed line; RFC 3676 4.2 ends the paragraph there, as Thresher does. Compared without white space and '
      + 'quote marks, which are all that differ.',
    allow(ours, reference) {
      if (!reference.plain.some((p) => p.flowed === true)) return [ours, reference];
      const collapse = (parts: TextPart[]) => parts.map((p) => ({ ...p, text: p.text.replace(/[\s>]+/g, ' ') }));
      return [{ ...ours, plain: collapse(ours.plain) }, { ...reference, plain: collapse(reference.plain) }];
    },
  },
  {
    id: 'delivery-status-not-text',
    field: 'plain',
    reason:
      "A bounce's message/delivery-status report is machine-readable fields, not text its reader reads: Thresher "
      + 'lists it as a part (attachments), mailparser adds it to the text.',
    allow(ours, reference) {
      if (!reference.plain.some((p) => p.contentType === DELIVERY_STATUS)) return [ours, reference];
      return [ours, { ...reference, plain: reference.plain.filter((p) => p.contentType !== DELIVERY_STATUS) }];
    },
  },
  {
    id: 'delivery-status-not-text',
    field: 'attachments',
    reason: 'The other side of delivery-status-not-text (plain).',
    allow(ours, reference) {
      if (!ours.attachments.some((a) => a.type === DELIVERY_STATUS)) return [ours, reference];
      return [{ ...ours, attachments: ours.attachments.filter((a) => a.type !== DELIVERY_STATUS) }, reference];
    },
  },
  {
    id: 'files-in-attached-messages',
    field: 'attachments',
    reason:
      'A message attached as a file is followed into: a forwarded message carrying a program is caught by its '
      + 'program (virus/eicar-nested-rfc822.eml). mailparser lists the attached message only.',
    allow(ours, reference) {
      if (!ours.attachments.some((a) => a.inAttachedMessage === true)) return [ours, reference];
      return [{ ...ours, attachments: ours.attachments.filter((a) => a.inAttachedMessage !== true) }, reference];
    },
  },
  {
    id: 'declared-type-kept',
    field: 'attachments',
    reason:
      'mailparser replaces application/octet-stream by a type guessed from the file name; Thresher keeps the '
      + 'declared type and tells what the bytes are apart (detectedType, magic.ts), so a lying name shows.',
    allow(ours, reference) {
      const guessed = (i: number) => ours.attachments[i]?.type === OCTET_STREAM && reference.attachments[i]?.type !== OCTET_STREAM;
      if (!reference.attachments.some((_, i) => guessed(i))) return [ours, reference];
      const attachments = reference.attachments.map((a, i) => (guessed(i) ? { ...a, type: OCTET_STREAM } : a));
      return [ours, { ...reference, attachments }];
    },
  },
  ...(['plain', 'html'] as const).map((field): Difference => ({
    id: 'broken-base64',
    field,
    reason: BROKEN_BASE64_REASON,
    allow(ours, reference) {
      if (!ours.defects.includes('bad-base64') || !sameStart(ours[field], reference[field])) return [ours, reference];
      return [{ ...ours, [field]: reference[field] }, reference];
    },
  })),
  {
    id: 'broken-base64',
    field: 'attachments',
    reason: BROKEN_BASE64_REASON,
    allow(ours, reference) {
      if (!ours.defects.includes('bad-base64')) return [ours, reference];
      const unsized = (v: MessageView) => ({ ...v, attachments: v.attachments.map((a) => ({ ...a, size: 0 })) });
      return [unsized(ours), unsized(reference)];
    },
  },
  ...(['from', 'to'] as const).map((field): Difference => ({
    id: 'unparsable-address',
    field,
    reason:
      'A field mailparser cannot parse (joe@host@relay) gives it one empty mailbox; the checks read the decoded '
      + 'field as it stands.',
    allow(ours, reference) {
      const r: AddressField = reference[field];
      if (r.mailboxes.length === 0 || r.mailboxes.some((m) => m.name !== '' || m.address !== '')) return [ours, reference];
      const none: AddressField = { text: '', mailboxes: [] };
      return [{ ...ours, [field]: none }, { ...reference, [field]: none }];
    },
  })),
];
