import { describeAttachment, type Attachment } from './attachments.js';
import { unflow } from './flowed.js';
import { MAX_ALTS, renderHtml } from './html.js';
import type { Message } from './message.js';
import { decodeCharset, isKnownCharset } from './mime.js';
import { walkMime, type Defect, type Leaf } from './mime-walk.js';
import { addHref, urlsFromText, type Url } from './urls.js';

export type { Attachment } from './attachments.js';
export type { Defect } from './mime-walk.js';
export type { Url } from './urls.js';

// The parsed message shared by every content check: one walk over the MIME tree per message,
// on first use, giving the text, the HTML, the links, the attachments and what was malformed.
//
// A small MIME walker rather than mailparser: mailparser's simpleParser took about 1 ms of CPU
// for a plain 10 KB message (the whole budget of the rules engine) and sets no bounds on
// nesting or parts. Anything unforeseen falls back to the raw body as one text part.

/** Links kept per message: a newsletter has a few hundred, more only costs the URL rules time. */
export const MAX_URLS = 500;

export interface MessageParts {
  /** The text a reader sees, normalised (see textOf). */
  text: string;
  /** Decoded text/plain parts (not attachments). */
  plain: string[];
  /** Decoded text/html parts (not attachments), as markup. */
  html: string[];
  /** Links from the text parts and the HTML anchors, at most MAX_URLS. */
  urls: Url[];
  /** The first HTML part's <title>, shown by no mail client ('' if none). */
  htmlTitle: string;
  /** The alt texts of the HTML's images, at most MAX_ALTS for the whole message. */
  imageAlts: string[];
  /** `<img>` tags in the HTML plus image/* parts. */
  images: number;
  /** Non-white-space characters of the HTML parts, by how they are shown. */
  htmlChars: { visible: number; invisible: number; tiny: number };
  /** HTML elements with event-handler attributes (onmouseover=...). */
  htmlEventHandlers: number;
  /** HTML links and images with inline `data:` content. */
  htmlDataUris: number;
  /** Non-white-space characters of the text/plain parts. */
  plainChars: number;
  /** Every part that is not shown as text: files, inline images, attached messages and their files. */
  attachments: Attachment[];
  defects: Set<Defect>;
  partCount: number;
  /** Deepest MIME nesting reached (0: a single-part message). */
  depth: number;
}

interface WarnLog {
  warn(obj: object, msg: string): void;
}

const cache = new WeakMap<Message, MessageParts>();

/** The message's parts, computed at most once per message. Never throws. */
export function partsOf(message: Message, log?: WarnLog): MessageParts {
  let parts = cache.get(message);
  if (parts === undefined) {
    try {
      parts = buildParts(message);
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'MIME decoding failed; checks see the raw body');
      parts = rawParts(message);
    }
    cache.set(message, parts);
  }
  return parts;
}

function emptyParts(): MessageParts {
  return {
    text: '', plain: [], html: [], htmlTitle: '', imageAlts: [], urls: [], images: 0, htmlChars: { visible: 0, invisible: 0, tiny: 0 },
    htmlEventHandlers: 0, htmlDataUris: 0, plainChars: 0, attachments: [], defects: new Set(), partCount: 0, depth: 0,
  };
}

function buildParts(message: Message): MessageParts {
  const parts = emptyParts();
  const pieces: string[] = [];
  const body = message.body;
  const walked = walkMime(message.headers, body, message.truncated, (leaf) => addLeaf(parts, leaf, pieces));
  for (const defect of walked.defects) parts.defects.add(defect);
  parts.partCount = walked.partCount;
  parts.depth = walked.depth;
  parts.text = normalize(pieces.join('\n\n'));
  if (body.indexOf(0) >= 0) parts.defects.add('nul-bytes');
  if (message.headers.some((h) => hasEightBit(h.name) || hasEightBit(h.value))) parts.defects.add('8bit-header');
  return parts;
}

/** A leaf shown as the body's text (plain or HTML, not attached); every other leaf is an attachment. */
export function isBodyText(leaf: Leaf): boolean {
  return (leaf.type === 'text/plain' || leaf.type === 'text/html') && leaf.disposition !== 'attachment';
}

function addLeaf(parts: MessageParts, leaf: Leaf, pieces: string[]): void {
  const isText = isBodyText(leaf);
  if (isText && leaf.inAttachedMessage) return; // the text of a forwarded message, not of this one
  if (!isText) {
    if (leaf.type.startsWith('image/')) parts.images++;
    parts.attachments.push(describeAttachment(leaf));
    return;
  }
  const charset = leaf.params.get('charset');
  if (!isKnownCharset(charset)) parts.defects.add('unknown-charset');
  let decoded = decodeCharset(leaf.content, charset);
  if (leaf.type === 'text/plain') {
    if (leaf.params.get('format')?.trim().toLowerCase() === 'flowed') {
      decoded = unflow(decoded, leaf.params.get('delsp')?.trim().toLowerCase() === 'yes');
    }
    parts.plain.push(decoded);
    parts.plainChars += inkOf(decoded);
    urlsFromText(decoded, parts.urls, MAX_URLS);
    pieces.push(decoded);
    return;
  }
  parts.html.push(decoded);
  const facts = renderHtml(decoded, MAX_URLS);
  pieces.push(facts.text);
  if (parts.htmlTitle === '') parts.htmlTitle = facts.title;
  for (const alt of facts.alts) if (parts.imageAlts.length < MAX_ALTS) parts.imageAlts.push(alt);
  parts.images += facts.images;
  parts.htmlChars.visible += facts.visibleChars;
  parts.htmlChars.invisible += facts.invisibleChars;
  parts.htmlChars.tiny += facts.tinyChars;
  parts.htmlEventHandlers += facts.eventHandlers;
  parts.htmlDataUris += facts.dataUris;
  for (const anchor of facts.anchors) addHref(anchor.href, anchor.text, parts.urls, MAX_URLS);
}

/** The raw body as one text part: what checks see when decoding fails unexpectedly. */
function rawParts(message: Message): MessageParts {
  const parts = emptyParts();
  const raw = message.body.toString('utf8');
  parts.plain.push(raw);
  parts.plainChars = inkOf(raw);
  parts.text = normalize(raw);
  return parts;
}

const EIGHT_BIT = /[^\x00-\x7e]/;

function hasEightBit(s: string): boolean {
  return EIGHT_BIT.test(s);
}

/** Characters other than white space. */
function inkOf(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x20) n++;
  return n;
}

/**
 * Removes invisible characters used to split words and collapses white space: runs of spaces
 * and single line breaks become one space, a blank line becomes one newline.
 */
function normalize(text: string): string {
  return text
    .replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '')
    // Every white space run but a lone space (most of them, left as they are).
    .replace(/[^\S ]\s*|\s{2,}/g, (ws) => (ws.indexOf('\n') !== ws.lastIndexOf('\n') ? '\n' : ' '))
    .trim();
}
