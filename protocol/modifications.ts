import { Action, MAX_BODY_CHUNK, Reply } from './constants.js';
import { cstr, frame, uint32 } from './encode.js';

/** End-of-message changes to the message (each needs its SMFIF_* action negotiated). */
export type Modification =
  | { kind: 'addheader'; name: string; value: string }
  /** index: 0-based position among all headers (0 inserts at the top). */
  | { kind: 'insheader'; index: number; name: string; value: string }
  /** index: 1-based occurrence of this header name; an empty value deletes it. */
  | { kind: 'chgheader'; index: number; name: string; value: string }
  | { kind: 'addrcpt'; rcpt: string }
  | { kind: 'addrcpt_par'; rcpt: string; args: string[] }
  | { kind: 'delrcpt'; rcpt: string }
  | { kind: 'chgfrom'; from: string; args: string[] }
  | { kind: 'replbody'; body: Buffer }
  | { kind: 'quarantine'; reason: string };

const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/; // RFC 5322 ftext: printable ASCII except ':'

function headerName(name: string): Buffer {
  if (!HEADER_NAME.test(name)) throw new RangeError(`invalid header name ${JSON.stringify(name)}`);
  return cstr(name, 'header name');
}

/** Folded lines are joined with LF for the MTA (Postfix and Sendmail add their own CR). */
function headerValue(value: string): Buffer {
  return cstr(value.replace(/\r\n/g, '\n').replace(/\r/g, '\n'), 'header value');
}

/** Encodes one modification; REPLBODY can take several frames, so a list is returned. */
export function encodeModification(m: Modification): Buffer[] {
  switch (m.kind) {
    // SMFIR_ADDHEADER 'h': name NUL value NUL
    case 'addheader':
      return [frame(Reply.ADDHEADER, headerName(m.name), headerValue(m.value))];
    // SMFIR_INSHEADER 'i': uint32 index | name NUL value NUL
    case 'insheader':
      return [frame(Reply.INSHEADER, uint32(m.index, 'index'), headerName(m.name), headerValue(m.value))];
    // SMFIR_CHGHEADER 'm': uint32 index | name NUL value NUL (empty value: delete)
    case 'chgheader':
      return [frame(Reply.CHGHEADER, uint32(m.index, 'index'), headerName(m.name), headerValue(m.value))];
    // SMFIR_ADDRCPT '+': rcpt NUL
    case 'addrcpt':
      return [frame(Reply.ADDRCPT, cstr(m.rcpt, 'recipient'))];
    // SMFIR_ADDRCPT_PAR '2': rcpt NUL | args NUL (space-separated ESMTP arguments)
    case 'addrcpt_par':
      return [frame(Reply.ADDRCPT_PAR, cstr(m.rcpt, 'recipient'), cstr(m.args.join(' '), 'ESMTP arguments'))];
    // SMFIR_DELRCPT '-': rcpt NUL
    case 'delrcpt':
      return [frame(Reply.DELRCPT, cstr(m.rcpt, 'recipient'))];
    // SMFIR_CHGFROM 'e': sender NUL | [args NUL]
    case 'chgfrom':
      return m.args.length === 0
        ? [frame(Reply.CHGFROM, cstr(m.from, 'sender'))]
        : [frame(Reply.CHGFROM, cstr(m.from, 'sender'), cstr(m.args.join(' '), 'ESMTP arguments'))];
    // SMFIR_REPLBODY 'b': raw bytes, sent as chunks of at most 65535 bytes
    case 'replbody': {
      const out: Buffer[] = [];
      for (let i = 0; i < m.body.length; i += MAX_BODY_CHUNK) {
        out.push(frame(Reply.REPLBODY, m.body.subarray(i, i + MAX_BODY_CHUNK)));
      }
      return out.length > 0 ? out : [frame(Reply.REPLBODY)];
    }
    // SMFIR_QUARANTINE 'q': reason NUL; the final reply must still follow
    case 'quarantine':
      return [frame(Reply.QUARANTINE, cstr(m.reason, 'quarantine reason'))];
  }
}

/** The SMFIF_* action the MTA must have granted for a modification. */
export function actionFor(kind: Modification['kind']): number {
  switch (kind) {
    case 'addheader':
    case 'insheader':
      return Action.ADDHDRS;
    case 'chgheader':
      return Action.CHGHDRS;
    case 'addrcpt':
      return Action.ADDRCPT;
    case 'addrcpt_par':
      return Action.ADDRCPT_PAR;
    case 'delrcpt':
      return Action.DELRCPT;
    case 'chgfrom':
      return Action.CHGFROM;
    case 'replbody':
      return Action.CHGBODY;
    case 'quarantine':
      return Action.QUARANTINE;
  }
}
