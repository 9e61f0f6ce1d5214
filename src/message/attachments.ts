import { detectKind, oleHasMacros, type FileKind } from './magic.js';
import type { Leaf } from './mime-walk.js';
import { decodeWords } from './mime.js';
import { zipMembers } from './zip.js';

export interface Attachment {
  /** The name the sender gave it (RFC 2047 and 2231 decoded), if any. */
  filename?: string;
  /** Lower-case Content-Type as declared. */
  declaredType: string;
  /** What the bytes are (see magic.ts), when the table knows them. */
  detectedType?: FileKind;
  /** Decoded size in bytes. */
  size: number;
  /** Member names of a zip (or Office Open XML) archive, at most MAX_ZIP_MEMBERS. */
  members?: string[];
  /** Some archive member is password-protected. */
  encrypted?: boolean;
  /** An Office document with a VBA project (macros). */
  macros?: boolean;
}

/** Members that make a zip an Office Open XML document (docx, xlsx, pptx and their -m forms). */
const OOXML_MARKER = '[Content_Types].xml';
const VBA_PROJECT = /(?:^|\/)vbaproject\.bin$/i;

/** An attachment's description: names, declared and detected types, archive members. */
export function describeAttachment(leaf: Leaf): Attachment {
  const attachment: Attachment = { declaredType: leaf.type, size: leaf.content.length };
  if (leaf.filename !== undefined) attachment.filename = decodeWords(leaf.filename);
  const kind = detectKind(leaf.content);
  if (kind === 'zip') {
    const listing = zipMembers(leaf.content);
    if (listing !== undefined) {
      attachment.members = listing.names;
      if (listing.encrypted) attachment.encrypted = true;
      if (listing.names.includes(OOXML_MARKER)) {
        attachment.detectedType = 'ooxml';
        if (listing.names.some((name) => VBA_PROJECT.test(name))) attachment.macros = true;
        return attachment;
      }
    }
  } else if (kind === 'ole2' && oleHasMacros(leaf.content)) attachment.macros = true;
  if (kind !== undefined) attachment.detectedType = kind;
  return attachment;
}
