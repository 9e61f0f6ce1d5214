import type { Message } from '../../message/message.js';

// The Authentication-Results header (RFC 8601): what this host found, for the mail client and
// later filters to read. It starts with our authserv-id, which is why a copy that arrives
// with our authserv-id already in it is forged (RFC 8601 5: remove it) while the copies other
// hosts added on the way are kept.

/** RFC 8601 says a header with no results carries "none". */
const NO_RESULT = 'none';

/** The authserv-id a header value starts with (after comments), lower case; '' if none. */
export function authservIdOf(value: string): string {
  const head = value.split(';', 1)[0] ?? '';
  // Comments may come before and after it, possibly nested (CFWS).
  let text = '';
  let depth = 0;
  for (const c of head) {
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) text += c;
  }
  const id = text.trim().split(/\s+/, 1)[0] ?? '';
  return id.replace(/^"(.*)"$/, '$1').toLowerCase();
}

/** True when an incoming Authentication-Results claims to be ours. */
export function claimsAuthservId(value: string, authservId: string): boolean {
  return authservIdOf(value) === authservId.toLowerCase();
}

/** A property value as RFC 8601 allows it bare (a token or local-part@domain), else quoted. */
export function propValue(value: string): string {
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.@]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[\r\n]+/g, ' ')}"`;
}

/** The spf row from the SPF check's result at MAIL: the identity it checked. */
export function spfRow(message: Message): string | undefined {
  const spf = message.spf;
  if (spf === undefined) return undefined;
  const sender = message.sender?.address ?? '';
  return sender === '' ? `spf=${spf.result} smtp.helo=${propValue(message.helo?.trim() ?? spf.domain)}` : `spf=${spf.result} smtp.mailfrom=${propValue(sender)}`;
}

/** The header value: our authserv-id, then one result per line (a value folds with LF + tab). */
export function authenticationResults(authservId: string, rows: readonly string[]): string {
  return [authservId, ...(rows.length > 0 ? rows : [NO_RESULT])].join(';\n\t');
}
