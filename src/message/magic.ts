// File types from content, for attachments whose name or declared type lies: a small table of
// magic bytes, read from the first bytes only (constant work per attachment).

/** What an attachment's bytes are, whatever it is called. */
export type FileKind =
  | 'exe' | 'elf' | 'lnk' | 'script' | 'html'
  | 'zip' | 'ooxml' | 'rar' | '7z' | 'gzip' | 'cab' | 'iso'
  | 'ole2' | 'pdf' | 'png' | 'jpeg' | 'gif';

const SIGNATURES: readonly { kind: FileKind; at: number; bytes: Buffer }[] = [
  { kind: 'exe', at: 0, bytes: Buffer.from('MZ', 'latin1') },
  { kind: 'elf', at: 0, bytes: Buffer.from([0x7f, 0x45, 0x4c, 0x46]) },
  // Windows shell link: header size 0x4C, then the LinkCLSID 00021401-0000-0000-C000-000000000046.
  { kind: 'lnk', at: 0, bytes: Buffer.from([0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0]) },
  { kind: 'zip', at: 0, bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04]) },
  { kind: 'zip', at: 0, bytes: Buffer.from([0x50, 0x4b, 0x05, 0x06]) }, // empty archive
  { kind: 'rar', at: 0, bytes: Buffer.from('Rar!\x1a\x07', 'latin1') },
  { kind: '7z', at: 0, bytes: Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { kind: 'gzip', at: 0, bytes: Buffer.from([0x1f, 0x8b]) },
  { kind: 'cab', at: 0, bytes: Buffer.from('MSCF\0\0\0\0', 'latin1') },
  { kind: 'iso', at: 0x8001, bytes: Buffer.from('CD001', 'latin1') },
  { kind: 'ole2', at: 0, bytes: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) },
  { kind: 'png', at: 0, bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { kind: 'jpeg', at: 0, bytes: Buffer.from([0xff, 0xd8, 0xff]) },
  { kind: 'gif', at: 0, bytes: Buffer.from('GIF87a', 'latin1') },
  { kind: 'gif', at: 0, bytes: Buffer.from('GIF89a', 'latin1') },
  { kind: 'script', at: 0, bytes: Buffer.from('#!', 'latin1') },
];

/** Readers accept a PDF whose `%PDF-` comes after up to 1 KB of junk; so do we. */
const PDF_HEADER_WINDOW = 1024;
const PDF_HEADER = Buffer.from('%PDF-', 'latin1');

/** Bytes looked at for an HTML document's first tag (after a UTF-8 BOM, read as Latin-1, and white space). */
const HTML_HEADER_WINDOW = 512;
const HTML_STARTS = /^(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|body|script|meta|iframe)[\s>]/i;

/** The kind of a file by its first bytes, or undefined for anything not in the table (text). */
export function detectKind(bytes: Buffer): FileKind | undefined {
  for (const { kind, at, bytes: magic } of SIGNATURES) {
    if (bytes.length >= at + magic.length && bytes.compare(magic, 0, magic.length, at, at + magic.length) === 0) return kind;
  }
  const pdf = bytes.subarray(0, PDF_HEADER_WINDOW).indexOf(PDF_HEADER);
  if (pdf >= 0) return 'pdf';
  if (HTML_STARTS.test(bytes.toString('latin1', 0, HTML_HEADER_WINDOW))) return 'html';
  return undefined;
}

const VBA_PROJECT_UTF16 = Buffer.from('_VBA_PROJECT', 'utf16le');

/**
 * True when an OLE2 (Word 97-2003, Excel) file holds a VBA project: its directory names the
 * `_VBA_PROJECT` stream in UTF-16. One native search; no parsing of the compound file.
 */
export function oleHasMacros(bytes: Buffer): boolean {
  return bytes.indexOf(VBA_PROJECT_UTF16) >= 0;
}
