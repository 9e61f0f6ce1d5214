import type { Verdict } from './decide.js';
import { isSpam, verdictHeaders, type HeaderConfig } from './headers.js';

/**
 * A change to the message's header, as every front end can apply it: the milter adapter turns
 * these into SMFIR_CHGHEADER/ADDHEADER (with the MTAs' index rules), others rewrite the text.
 * Values are without the leading space after the colon.
 */
export type HeaderEdit =
  /** Remove these incoming copies of the name (1-based among all its copies, ascending). */
  | { op: 'delete'; name: string; copies: number[] }
  | { op: 'add'; name: string; value: string }
  /** Replace the first copy of the name (there is one). */
  | { op: 'replace'; name: string; value: string };

export interface HeaderEditInput {
  verdict: Verdict;
  headers: HeaderConfig;
  /** Incoming copies of the headers we own (forged verdicts), per name as received, in order. */
  forged: ReadonlyMap<string, readonly ForgedCopy[]>;
  /** The first Subject as received. */
  subject: string | undefined;
  /** The recipients' policy lets the subject be tagged. */
  subjectTag: boolean;
}

/** One forged incoming copy of a header we own. */
export interface ForgedCopy {
  /** Which copy of its name (1-based, counting every copy of the name in the message). */
  copy: number;
  value: string;
}

/** The header edits of a verdict that delivers the message: forged copies out, the checks' and the verdict's headers in. */
export function headerEdits(p: HeaderEditInput): HeaderEdit[] {
  const h = p.headers;
  const edits: HeaderEdit[] = [];
  for (const [name, copies] of p.forged) edits.push({ op: 'delete', name, copies: copies.map((c) => c.copy) });
  if (h.forged === 'rename') {
    for (const [name, copies] of p.forged) for (const c of copies) edits.push({ op: 'add', name: `${h.forged_prefix}${name}`, value: c.value });
  }
  for (const added of p.verdict.result.headers) edits.push({ op: 'add', ...added });
  if (h.subject_prefix !== null && p.subjectTag && isSpam(p.verdict) && p.verdict.tagged) {
    const value = taggedSubject(p.subject, h.subject_prefix);
    edits.push(p.subject === undefined ? { op: 'add', name: 'Subject', value } : { op: 'replace', name: 'Subject', value });
  }
  for (const add of verdictHeaders(p.verdict, h)) edits.push({ op: 'add', ...add });
  return edits;
}

/** The subject with the spam prefix, unless it already starts with it. */
export function taggedSubject(current: string | undefined, prefix: string): string {
  const subject = current ?? '';
  return subject.startsWith(prefix) ? subject : `${prefix}${subject}`;
}
