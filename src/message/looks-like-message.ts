// Whether saved bytes are an RFC 5322 message at all, before anything scores or learns them:
// an image, an archive or an empty file has no header block, and scoring it anyway gives a
// verdict (HDR_MISSING_FROM, ...) about something that is not mail.

export type MessageShape = { ok: true } | { ok: false; reason: string };

/**
 * A header field name as mailers write them. RFC 5322 allows any printable character but
 * the colon; requiring a letter or digit first and then the usual name characters keeps
 * text such as `{"key": 1}` or `%PDF-1.7` from passing for a header.
 */
const FIELD_START = /^[A-Za-z0-9][A-Za-z0-9_.-]*[ \t]*:/;
/** An mbox separator: a saved single message (stdin from procmail, a `From_` file) may keep it. */
const MBOX_FROM = /^From /;
const NUL = 0;

/**
 * The test: not empty; the first line (after an mbox `From ` line, if any) is a header field
 * `Name: value`; and the header block (up to the first empty line) holds no NUL byte, which
 * no mailer writes into a header and which every binary format is full of.
 */
export function looksLikeMessage(raw: Buffer): MessageShape {
  if (raw.length === 0) return { ok: false, reason: 'empty, not a message' };
  let start = 0;
  let line = firstLine(raw, start);
  if (MBOX_FROM.test(line.text)) {
    start = line.next;
    line = firstLine(raw, start);
  }
  if (!FIELD_START.test(line.text)) return { ok: false, reason: 'not a message: it does not start with a header field (Name: value)' };
  const end = headerEnd(raw, start);
  if (raw.subarray(start, end).includes(NUL)) return { ok: false, reason: 'not a message: binary data (NUL bytes) in the header block' };
  return { ok: true };
}

/** The line starting at `from` (without its line end, at most 1000 characters: RFC 5322's line limit) and where the next begins. */
function firstLine(raw: Buffer, from: number): { text: string; next: number } {
  const lf = raw.indexOf(0x0a, from);
  const end = lf < 0 ? raw.length : lf;
  const text = raw.toString('latin1', from, Math.min(end, from + 1000)).replace(/\r$/, '');
  return { text, next: lf < 0 ? raw.length : lf + 1 };
}

/** Where the header block that starts at `from` ends: at the first empty line, else the end. */
function headerEnd(raw: Buffer, from: number): number {
  const lf = raw.indexOf('\n\n', from);
  const crlf = raw.indexOf('\r\n\r\n', from);
  const ends = [lf, crlf].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : raw.length;
}
