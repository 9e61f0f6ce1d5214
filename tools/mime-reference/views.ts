import { MailParser } from 'mailparser';
import type { ScanLimits } from '../../src/message/message.js';
import { walkMime, type Leaf } from '../../src/message/mime-walk.js';
import { messageFromRaw } from '../../src/message/parse.js';
import { isBodyText, partsOf } from '../../src/message/parts.js';
import { headerTextOf } from '../../src/message/text.js';

// One message as each parser reads it, in the terms the differential test compares: the text
// parts, the HTML parts, the attachments, and the decoded Subject, From and To. Ours is what
// the checks see (partsOf, headerTextOf); the reference is mailparser's.

export interface TextPart {
  text: string;
  /** Facts a deliberate difference may need about the part (reference side only). */
  flowed?: boolean;
  inAttachedMessage?: boolean;
  contentType?: string;
}

export interface AttachmentView {
  name: string;
  type: string;
  size: number;
  /** Ours only: a file inside a message attached as a file. */
  inAttachedMessage?: boolean;
}

export interface Mailbox {
  name: string;
  address: string;
}

/**
 * An address field: ours is the decoded field as the checks read it (`text`), mailparser's is
 * its parsed mailboxes (`mailboxes`, groups flattened).
 */
export interface AddressField {
  text: string;
  mailboxes: Mailbox[];
}

export interface MessageView {
  plain: TextPart[];
  html: TextPart[];
  attachments: AttachmentView[];
  subject: string;
  from: AddressField;
  to: AddressField;
  /** Ours only: what the walker found malformed (parts.defects). */
  defects: string[];
}

/** The message as Thresher's walker reads it, with the scan limits the engine uses. */
export function ourView(raw: Buffer, limits: ScanLimits): MessageView {
  const message = messageFromRaw(raw, limits);
  const parts = partsOf(message);
  // partsOf's attachments are the leaves not shown as text, in walk order: the walk again
  // tells which of them sit inside an attached message.
  const leaves: Leaf[] = [];
  walkMime(message.headers, message.body, message.truncated, (leaf) => {
    if (!isBodyText(leaf)) leaves.push(leaf);
  });
  const field = (name: string): AddressField => ({ text: headerTextOf(message, name).join(', '), mailboxes: [] });
  return {
    plain: parts.plain.map((text) => ({ text })),
    html: parts.html.map((text) => ({ text })),
    attachments: parts.attachments.map((a, i) => ({
      name: a.filename ?? '',
      type: a.declaredType,
      size: a.size,
      inAttachedMessage: leaves[i]?.inAttachedMessage ?? false,
    })),
    subject: headerTextOf(message, 'subject')[0] ?? '',
    from: field('from'),
    to: field('to'),
    defects: [...parts.defects],
  };
}

/** The parts of mailparser's tree this view reads (internal to mailparser 3.x, pinned by the lock file). */
interface TreeNode {
  contentType?: string;
  textContent?: string;
  disposition?: string;
  children?: TreeNode[];
  node: { flowed?: boolean; disposition?: string | false; contentType?: string };
}

interface ParserAttachment {
  filename?: string;
  contentType: string;
  size: number;
  content: NodeJS.ReadableStream;
  release: (() => void) | null;
}

/** The message as mailparser reads it. */
export function referenceView(raw: Buffer): Promise<MessageView> {
  return new Promise((resolve, reject) => {
    // defaultInlineEmbedded: a message/rfc822 part without a disposition is read into, as mail
    // clients show it and as our walker does (mailparser's default lists it as a file).
    const options = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, defaultInlineEmbedded: true };
    const parser = new MailParser(options);
    const attachments: ParserAttachment[] = [];
    parser.on('data', (data: { type: string }) => {
      if (data.type !== 'attachment') return;
      const attachment = data as unknown as ParserAttachment;
      attachments.push(attachment);
      attachment.content.on('data', () => undefined);
      attachment.content.on('end', () => attachment.release?.());
    });
    parser.on('error', reject);
    parser.on('end', () => {
      const tree = (parser as unknown as { tree?: TreeNode }).tree;
      const plain: TextPart[] = [];
      const html: TextPart[] = [];
      if (tree !== undefined) collectText(tree, false, plain, html);
      const field = (value: typeof parser.to): AddressField => ({
        text: '',
        mailboxes: [value ?? []].flat().flatMap((v) => flatten(v.value)).map((m) => ({ name: m.name, address: m.address ?? '' })),
      });
      resolve({
        plain,
        html,
        attachments: attachments.map((a) => ({
          name: a.filename ?? '',
          type: a.contentType.toLowerCase(),
          size: a.size,
        })),
        subject: parser.subject ?? '',
        from: field(parser.from),
        to: field(parser.to),
        defects: [],
      });
    });
    parser.end(raw);
  });
}

function collectText(node: TreeNode, inAttachedMessage: boolean, plain: TextPart[], html: TextPart[]): void {
  if (node.textContent !== undefined) {
    const part: TextPart = { text: node.textContent, flowed: node.node.flowed === true, inAttachedMessage, contentType: node.contentType ?? '' };
    (node.contentType === 'text/html' ? html : plain).push(part);
  }
  const attached = inAttachedMessage || (node.contentType === 'message/rfc822' && node.node.disposition === 'attachment');
  for (const child of node.children ?? []) collectText(child, attached, plain, html);
}

/** Mailboxes with groups opened; a group's name counts as a mailbox with a name only. */
function flatten(list: { name: string; address?: string; group?: { name: string; address?: string }[] }[]): { name: string; address?: string }[] {
  return list.flatMap((entry) => (entry.group !== undefined ? [{ name: entry.name }, ...entry.group] : [entry]));
}
