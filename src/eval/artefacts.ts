// Artefact hygiene for evaluation. Research corpora carry header fields that give the label
// away without saying anything about the mail itself: verdicts of the filters the mail went
// through (X-Spam-*, Microsoft's and Forefront's antispam reports, virus-scan stamps), the
// mail client's storage headers (csdmc2010's X-Account-Key tells ham from spam by account),
// and mailing-list headers (only the list ham has them). A classifier that learns these
// scores well on the corpus and badly on real traffic, so they are removed before learning
// and scoring. Line ends become CRLF, as Postfix hands mail to a milter; otherwise only
// phishing-pot would have CRLF and line ends alone would tell its spam apart.

/** Header field names removed, as lower-case prefixes (`x-spam-` removes X-Spam-Status...). */
export const ARTEFACT_PREFIXES = ['x-spam-', 'x-microsoft-antispam', 'x-ms-exchange-', 'x-forefront-', 'x-virus-', 'x-mozilla-', 'list-'] as const;
/** Header field names removed, exactly (lower case). */
export const ARTEFACT_NAMES = ['x-account-key', 'x-uidl'] as const;
/** Any header field mentioning this is removed: the kernel lists' delivery relay. */
export const ARTEFACT_MENTION = 'lfdr.de';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

function isArtefactName(name: string): boolean {
  return ARTEFACT_PREFIXES.some((p) => name.startsWith(p)) || (ARTEFACT_NAMES as readonly string[]).includes(name);
}

/** Longest field name looked at: names are short, and a colon-less line must not cost more. */
const MAX_NAME_CHARS = 100;

/** A header field's byte range, with its continuation lines, and its lower-case name. */
interface Field {
  start: number;
  end: number;
  name: string;
}

/** The header fields up to the empty line that ends them (LF or CRLF line ends). */
function headerFields(raw: Buffer): { fields: Field[]; end: number } {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const first = raw[pos];
    if (first === LF || (first === CR && raw[pos + 1] === LF)) break;
    const nl = raw.indexOf(LF, pos);
    const next = nl < 0 ? raw.length : nl + 1;
    const last = fields[fields.length - 1];
    if ((first === SPACE || first === TAB) && last) {
      last.end = next;
    } else {
      // Searched within the line's first MAX_NAME_CHARS only: linear however lines look.
      const colon = raw.subarray(pos, Math.min(next, pos + MAX_NAME_CHARS)).indexOf(COLON);
      const nameEnd = colon < 0 ? pos : pos + colon;
      fields.push({ start: pos, end: next, name: raw.toString('latin1', pos, nameEnd).trimEnd().toLowerCase() });
    }
    pos = next;
  }
  return { fields, end: pos };
}

/**
 * Removes the artefact header fields (with their folded continuation lines) and keeps
 * every other byte as it was, 8-bit header bytes included. Returns `raw` itself when there
 * is nothing to remove.
 */
export function stripArtefacts(raw: Buffer): Buffer {
  const { fields, end } = headerFields(raw);
  // One search of the whole header block decides whether any field can mention lfdr.de.
  const mentions = raw.toString('latin1', 0, end).toLowerCase().includes(ARTEFACT_MENTION);
  const drop = (f: Field) => isArtefactName(f.name) || (mentions && raw.toString('latin1', f.start, f.end).toLowerCase().includes(ARTEFACT_MENTION));
  if (!fields.some(drop)) return raw;
  const kept = fields.filter((f) => !drop(f)).map((f) => raw.subarray(f.start, f.end));
  return Buffer.concat([...kept, raw.subarray(end)]);
}

/** Every bare LF becomes CRLF; existing CRLF stays. One pass, one allocation. */
export function toCrlf(raw: Buffer): Buffer {
  let bare = 0;
  for (let i = raw.indexOf(LF); i >= 0; i = raw.indexOf(LF, i + 1)) if (i === 0 || raw[i - 1] !== CR) bare++;
  if (bare === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + bare);
  let from = 0;
  let to = 0;
  for (let i = raw.indexOf(LF); i >= 0; i = raw.indexOf(LF, i + 1)) {
    if (i > 0 && raw[i - 1] === CR) continue;
    to += raw.copy(out, to, from, i);
    out[to++] = CR;
    from = i; // the LF itself is copied with the next run
  }
  raw.copy(out, to, from);
  return out;
}

/** The message as the evaluation sees it: artefacts removed (unless kept) and CRLF line ends. */
export function cleanForEval(raw: Buffer, keepArtefacts: boolean): Buffer {
  return toCrlf(keepArtefacts ? raw : stripArtefacts(raw));
}
