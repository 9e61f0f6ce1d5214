// Member names of a zip archive, read from its central directory by hand: no decompression,
// no trust in the counts it claims. Used to see executables packed inside archives.

/** Members listed per archive: a directory claiming 100,000 entries costs no more than this. */
export const MAX_ZIP_MEMBERS = 1000;

/** Longest member name kept (zip allows 65,535 bytes). */
const MAX_MEMBER_NAME = 1024;

/** The end-of-central-directory record: 22 bytes plus a comment of at most 65,535. */
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_SIZE = 46;

/** Flag bit 0: the member is encrypted. Bit 11: its name is UTF-8 (else code page 437). */
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;

export interface ZipListing {
  names: string[];
  /** Some member is encrypted (a password-protected archive hides its content from scanners). */
  encrypted: boolean;
}

/**
 * The member names of a zip archive, or undefined when no central directory is found (a
 * truncated or non-zip file). Reads at most MAX_ZIP_MEMBERS entries, never past the buffer.
 */
export function zipMembers(zip: Buffer): ZipListing | undefined {
  const eocd = findEndRecord(zip);
  if (eocd < 0) return undefined;
  const claimed = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  const offset = zip.readUInt32LE(eocd + 16);
  // A self-extractor or a zip with bytes prepended: the directory sits just before the record,
  // whatever offset it claims.
  const start = signatureAt(zip, eocd - size) ? eocd - size : offset;
  const listing: ZipListing = { names: [], encrypted: false };
  let at = start;
  while (listing.names.length < Math.min(claimed, MAX_ZIP_MEMBERS) && at + CENTRAL_HEADER_SIZE <= eocd && signatureAt(zip, at)) {
    const flags = zip.readUInt16LE(at + 8);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + CENTRAL_HEADER_SIZE + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const nameEnd = Math.min(at + CENTRAL_HEADER_SIZE + nameLength, zip.length, at + CENTRAL_HEADER_SIZE + MAX_MEMBER_NAME);
    listing.names.push(zip.toString((flags & FLAG_UTF8) !== 0 ? 'utf8' : 'latin1', at + CENTRAL_HEADER_SIZE, nameEnd));
    if ((flags & FLAG_ENCRYPTED) !== 0) listing.encrypted = true;
    at = next;
  }
  return listing;
}

function signatureAt(zip: Buffer, at: number): boolean {
  return at >= 0 && at + 4 <= zip.length && zip.readUInt32LE(at) === CENTRAL_SIGNATURE;
}

/** Where the end-of-central-directory record starts, searching back over the longest comment. */
function findEndRecord(zip: Buffer): number {
  if (zip.length < EOCD_SIZE) return -1;
  const found = zip.lastIndexOf(EOCD_SIGNATURE, zip.length - EOCD_SIZE);
  return found >= Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT) ? found : -1;
}
