import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import { partsOf, type Defect } from '../../message/parts.js';

// MIME defects as symbols: malformed structure and encodings that mail clients paper over and
// bulk senders' hand-rolled software produces. Scores measured on the development corpus
// (bench/symbol-hits.ts): a defect that also shows up in ham scores low.

/** The symbol of each defect; a Record so a new defect cannot be left without one. */
const SYMBOL_OF: Record<Defect, string> = {
  'bad-boundary': 'MIME_BAD_BOUNDARY',
  'missing-close-boundary': 'MIME_MISSING_CLOSE_BOUNDARY',
  'bad-base64': 'MIME_BAD_BASE64',
  'bad-quoted-printable': 'MIME_BAD_QP',
  'unknown-charset': 'MIME_UNKNOWN_CHARSET',
  'too-deep': 'MIME_TOO_DEEP',
  'too-many-parts': 'MIME_TOO_MANY_PARTS',
  'decode-limit': 'MIME_DECODE_LIMIT',
  'nul-bytes': 'MIME_NUL_BYTES',
  '8bit-header': 'MIME_8BIT_HEADER',
  'encoded-multipart': 'MIME_ENCODED_MULTIPART',
};

const symbols: Record<string, SymbolDef> = {
  MIME_BAD_BOUNDARY: { score: 1.5, description: 'Multipart without a usable boundary (missing, too long, or never used)' },
  MIME_MISSING_CLOSE_BOUNDARY: { score: 0.6, description: 'Multipart without its closing boundary' },
  MIME_BAD_BASE64: { score: 1.0, description: 'Base64 part with characters outside the alphabet or a broken length' },
  MIME_BAD_QP: { score: 0.7, description: 'Quoted-printable part with a stray "=" not followed by two hex digits' },
  MIME_UNKNOWN_CHARSET: { score: 1.4, description: 'Text part in a charset nobody knows' },
  MIME_TOO_DEEP: { score: 1.5, description: 'MIME nesting deeper than Thresher follows' },
  MIME_TOO_MANY_PARTS: { score: 1.5, description: 'More MIME parts than Thresher looks at' },
  MIME_DECODE_LIMIT: { score: 0.5, description: 'More encoded content than Thresher decodes; the rest was not read' },
  MIME_NUL_BYTES: { score: 1.0, description: 'NUL bytes in the message body' },
  MIME_8BIT_HEADER: { score: 1.0, description: 'Raw 8-bit bytes in a header (not RFC 2047 encoded)' },
  MIME_ENCODED_MULTIPART: { score: 1.5, description: 'Multipart with a base64 or quoted-printable transfer encoding (RFC 2045 6.4 forbids it)' },
};

/** MIME structure and encoding defects of the message. */
export const mimeCheck: Check = {
  name: 'mime',
  stage: 'eom',
  needsBody: true,
  symbols,
  run({ message, log }) {
    const hits: Hit[] = [];
    for (const defect of partsOf(message, log).defects) hits.push({ symbol: SYMBOL_OF[defect] });
    return hits;
  },
};
