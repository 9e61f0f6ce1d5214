// An SMTP reply as policy speaks it: what the MTA should say to its client. Front ends turn it
// into their own form (the milter adapter into SMFIR_REPLYCODE).

export interface SmtpReply {
  /** 4xx (try again later) or 5xx (refused). */
  code: number;
  /** RFC 3463 enhanced status such as 5.7.1; its class must match the code's first digit. */
  xcode?: string;
  /** One line, or several for a multi-line reply. */
  text: string | string[];
}

const XCODE = /^([245])\.\d{1,3}\.\d{1,3}$/;

/** Parses "550 5.7.1 Message rejected", as replies are configured. Throws RangeError on anything else. */
export function parseSmtpReply(text: string): SmtpReply {
  const m = /^([45]\d\d)(?:[ -]([245]\.\d{1,3}\.\d{1,3}))?(?: (.*))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not an SMTP reply "CODE [X.Y.Z] text": ${JSON.stringify(text)}`);
  const reply: SmtpReply = { code: Number(m[1]), text: m[3] ?? '' };
  if (m[2] !== undefined) {
    if (XCODE.exec(m[2])?.[1] !== m[1]![0]) throw new RangeError(`enhanced status ${m[2]} does not match reply code ${m[1]}`);
    reply.xcode = m[2];
  }
  return reply;
}

/** "451 4.7.1 text" on one line, for logs and `thresher check`. */
export function formatSmtpReply(r: SmtpReply): string {
  const text = typeof r.text === 'string' ? r.text : r.text.join(' / ');
  return [String(r.code), r.xcode, text].filter((p) => p !== undefined && p !== '').join(' ');
}

/** A 4xx reply: the client is to try again later. */
export function isTemporary(r: SmtpReply): boolean {
  return r.code >= 400 && r.code < 500;
}
