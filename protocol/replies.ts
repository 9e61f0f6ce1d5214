import { Reply } from './constants.js';
import { cstr, frame } from './encode.js';

/** Replies that answer a command (the last word on a stage). */
export type MilterReply =
  | { kind: 'accept' | 'continue' | 'discard' | 'reject' | 'tempfail' }
  | { kind: 'skip' | 'progress' | 'shutdown' | 'conn_fail' }
  | ReplyCode;

/** SMFIR_REPLYCODE: an SMTP reply of our choosing, 4xx (temporary) or 5xx (permanent). */
export interface ReplyCode {
  kind: 'replycode';
  code: number;
  /** RFC 3463 enhanced status such as 5.7.1; its class must match the code's first digit. */
  xcode?: string;
  /** One line, or several for a multi-line reply (at most 32, as libmilter's smfi_setmlreply). */
  text: string | string[];
}

const BARE: Record<Exclude<MilterReply['kind'], 'replycode'>, number> = {
  accept: Reply.ACCEPT,
  continue: Reply.CONTINUE,
  discard: Reply.DISCARD,
  reject: Reply.REJECT,
  tempfail: Reply.TEMPFAIL,
  skip: Reply.SKIP,
  progress: Reply.PROGRESS,
  shutdown: Reply.SHUTDOWN,
  conn_fail: Reply.CONN_FAIL,
};

const MAX_REPLY_LINES = 32;
const XCODE = /^([245])\.\d{1,3}\.\d{1,3}$/;

export function encodeReply(reply: MilterReply): Buffer {
  if (reply.kind === 'replycode') return frame(Reply.REPLYCODE, cstr(formatReplyCode(reply), 'reply'));
  return frame(BARE[reply.kind]);
}

/**
 * SMFIR_REPLYCODE 'y': "550 5.7.1 text" NUL, or for several lines
 * "550-5.7.1 first\r\n550 5.7.1 last" NUL. Sendmail uses the text as a printf format and
 * Postfix undoes '%%', so '%' is doubled. A missing xcode becomes 4.0.0 or 5.0.0.
 */
export function formatReplyCode(r: ReplyCode): string {
  if (!Number.isInteger(r.code) || r.code < 400 || r.code > 599) {
    throw new RangeError(`reply code must be 4xx or 5xx, got ${r.code}`);
  }
  const cls = String(r.code)[0];
  if (r.xcode !== undefined) {
    const m = XCODE.exec(r.xcode);
    if (!m || m[1] !== cls) {
      throw new RangeError(`enhanced status ${r.xcode} does not match reply code ${r.code}`);
    }
  }
  const lines = typeof r.text === 'string' ? [r.text] : r.text;
  if (lines.length === 0 || lines.length > MAX_REPLY_LINES) {
    throw new RangeError(`a reply has 1 to ${MAX_REPLY_LINES} lines, got ${lines.length}`);
  }
  // Without an enhanced code, default to X.0.0 as libmilter's smfi_setmlreply does: some Postfix
  // releases (milter8.c) refuse a REPLYCODE whose fifth byte is not the code's class digit.
  const prefix = `${r.xcode ?? `${cls}.0.0`} `;
  return lines
    .map((line, i) => {
      if (/[\r\n\0]/.test(line)) throw new RangeError('reply text lines must not contain CR, LF or NUL');
      const sep = i === lines.length - 1 ? ' ' : '-';
      return `${r.code}${sep}${prefix}${line.replace(/%/g, '%%')}`;
    })
    .join('\r\n');
}

/** Parses "550 5.7.1 Message rejected" into a ReplyCode, for configured reply texts. */
export function parseReplyCode(text: string): ReplyCode {
  const m = /^([45]\d\d)(?:[ -]([245]\.\d{1,3}\.\d{1,3}))?(?: (.*))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not an SMTP reply "CODE [X.Y.Z] text": ${JSON.stringify(text)}`);
  const reply: ReplyCode = { kind: 'replycode', code: Number(m[1]), text: m[3] ?? '' };
  if (m[2] !== undefined) reply.xcode = m[2];
  formatReplyCode(reply); // validates code/xcode agreement
  return reply;
}
