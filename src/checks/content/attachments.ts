import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import type { FileKind } from '../../message/magic.js';
import { partsOf, type Attachment } from '../../message/parts.js';

// Attachments that carry or hide programs: executables by name or by content, names with a
// harmless-looking extension before the real one, macro-enabled Office files, archives holding
// programs, and content that is not what its name or type says. Names, types and archive
// members come from the message model (magic bytes, zip central directory); nothing is unpacked.

/** Extensions Windows (or a browser, or Java) runs when the file is opened. */
const EXECUTABLE_EXTENSIONS = new Set([
  'exe', 'scr', 'com', 'pif', 'bat', 'cmd', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'hta', 'msi', 'msp', 'jar', 'ps1',
  'lnk', 'cpl', 'reg', 'dll', 'apk', 'app', 'gadget', 'inf', 'msc', 'scf', 'sct', 'url', 'iso', 'img', 'vhd', 'xll', 'one',
]);
/** Content kinds that are programs whatever their name. */
const EXECUTABLE_KINDS = new Set<FileKind>(['exe', 'elf', 'lnk']);
/** Office formats that carry macros by definition. */
const MACRO_EXTENSIONS = new Set(['docm', 'dotm', 'xlsm', 'xltm', 'xlam', 'xlsb', 'pptm', 'potm', 'ppsm', 'ppam', 'sldm']);
/** Extensions of documents and media a double-extension name pretends to be. */
const DECOY_EXTENSIONS = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'rtf', 'jpg', 'jpeg', 'png', 'gif', 'zip', 'rar', 'mp3', 'mp4', 'avi', 'htm', 'html']);

/** The content kinds a declared type or file extension admits; types and names not listed admit anything. */
const KINDS_OF_TYPE = new Map<string, readonly FileKind[]>([
  ['application/pdf', ['pdf']],
  ['application/zip', ['zip', 'ooxml']],
  ['application/x-zip-compressed', ['zip', 'ooxml']],
  ['application/msword', ['ole2', 'ooxml']],
  ['application/vnd.ms-excel', ['ole2', 'ooxml']],
  ['application/vnd.ms-powerpoint', ['ole2', 'ooxml']],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', ['ooxml', 'zip']],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ['ooxml', 'zip']],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', ['ooxml', 'zip']],
  ['application/x-rar-compressed', ['rar']],
  ['application/vnd.rar', ['rar']],
  ['application/x-7z-compressed', ['7z']],
  ['application/gzip', ['gzip']],
  ['application/x-gzip', ['gzip']],
  ['text/html', ['html']],
]);
const KINDS_OF_EXTENSION = new Map<string, readonly FileKind[]>([
  ['pdf', ['pdf']], ['zip', ['zip', 'ooxml']], ['doc', ['ole2', 'ooxml']], ['xls', ['ole2', 'ooxml']], ['ppt', ['ole2', 'ooxml']],
  ['docx', ['ooxml', 'zip']], ['xlsx', ['ooxml', 'zip']], ['pptx', ['ooxml', 'zip']], ['rar', ['rar']], ['7z', ['7z']],
  ['gz', ['gzip']], ['jpg', ['jpeg']], ['jpeg', ['jpeg']], ['png', ['png']], ['gif', ['gif']],
]);
/** Kinds that are pictures: a JPEG sent as image/png is sloppy, not hostile. */
const IMAGE_KINDS = new Set<FileKind>(['png', 'jpeg', 'gif']);

const symbols: Record<string, SymbolDef> = {
  ATTACH_EXECUTABLE: { score: 3.0, description: 'Executable attachment (by name or by content)' },
  ATTACH_DOUBLE_EXT: { score: 3.0, description: 'Attachment name with a decoy extension before an executable one (invoice.pdf.exe)' },
  ATTACH_MACRO_OFFICE: { score: 2.5, description: 'Macro-enabled Office document' },
  ATTACH_ARCHIVE_EXE: { score: 3.0, description: 'Archive holding an executable' },
  ATTACH_ENCRYPTED_ARCHIVE: { score: 1.5, description: 'Password-protected archive: its content cannot be scanned' },
  ATTACH_TYPE_MISMATCH: { score: 1.5, description: 'Attachment content differs from its declared type or extension' },
};

/** The last extension of a name, lower-case ('' for none). */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).trim().toLowerCase();
}

/** `invoice.pdf.exe`, or `invoice.pdf      .exe`: a decoy extension right before an executable one. */
function hasDoubleExtension(name: string): boolean {
  const lower = name.toLowerCase().trim();
  const parts = lower.split('.');
  if (parts.length < 3) return false;
  const last = parts[parts.length - 1]!;
  const decoy = parts[parts.length - 2]!.trim();
  return EXECUTABLE_EXTENSIONS.has(last) && DECOY_EXTENSIONS.has(decoy);
}

function mismatch(attachment: Attachment): string | undefined {
  const kind = attachment.detectedType;
  if (kind === undefined) return undefined;
  const byType = KINDS_OF_TYPE.get(attachment.declaredType);
  const ext = attachment.filename === undefined ? '' : extensionOf(attachment.filename);
  const byName = KINDS_OF_EXTENSION.get(ext);
  for (const [claimed, kinds] of [[attachment.declaredType, byType], [`.${ext}`, byName]] as const) {
    if (kinds === undefined || kinds.includes(kind)) continue;
    if (IMAGE_KINDS.has(kind) && kinds.some((k) => IMAGE_KINDS.has(k))) continue;
    return `${claimed} is ${kind}`;
  }
  return undefined;
}

/** Attachment rules. */
export const attachmentCheck: Check = {
  name: 'attachments',
  stage: 'eom',
  needsBody: true,
  symbols,
  run({ message, log }) {
    const { attachments } = partsOf(message, log);
    if (attachments.length === 0) return [];
    const hits = new Map<string, Hit>();
    const hit = (symbol: string, detail: string) => {
      if (!hits.has(symbol)) hits.set(symbol, { symbol, detail });
    };
    for (const attachment of attachments) {
      const name = attachment.filename ?? '';
      const label = name === '' ? attachment.declaredType : name;
      const ext = extensionOf(name);
      if (EXECUTABLE_EXTENSIONS.has(ext) || (attachment.detectedType !== undefined && EXECUTABLE_KINDS.has(attachment.detectedType))) {
        hit('ATTACH_EXECUTABLE', label);
      }
      if (hasDoubleExtension(name)) hit('ATTACH_DOUBLE_EXT', name);
      if (MACRO_EXTENSIONS.has(ext) || attachment.macros === true) hit('ATTACH_MACRO_OFFICE', label);
      const exe = attachment.members?.find((member) => EXECUTABLE_EXTENSIONS.has(extensionOf(member)) || hasDoubleExtension(member));
      if (exe !== undefined) hit('ATTACH_ARCHIVE_EXE', `${label}: ${exe}`);
      if (attachment.encrypted === true) hit('ATTACH_ENCRYPTED_ARCHIVE', label);
      const wrong = mismatch(attachment);
      if (wrong !== undefined) hit('ATTACH_TYPE_MISMATCH', `${label}: ${wrong}`);
    }
    return [...hits.values()];
  },
};
