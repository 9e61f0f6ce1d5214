import type { Check, CheckContext, Hit, SymbolDef } from '../../engine/check.js';
import type { Message } from '../../message/message.js';
import { decodeWords, unfold } from '../../message/mime.js';
import { textOf } from '../../message/text.js';
import { registrableDomain } from '../../net/domain.js';
import { addressInText, claimedBrand, firstMailbox } from './addresses.js';
import { readMailDate, receivedTimes } from './dates.js';
import {
  forgedAolFrom, forgedMozillaMessageId, forgedTheBatMessageId, forgedOutlookExpressBoundary, forgedOutlookMessageId, msMailPriorityWithoutMailer, outlookIdTimeOff, outlookIdWithoutMailer, ratwareMailer,
} from './mailer.js';
import {
  encodedWords, exclamations, hasMoneyWords, hasRandomToken, hasRaw8bit, hasTrailingTag, isAdvertisementLabel, isAllCaps, scriptOfCharset,
} from './subject.js';

// Header heuristics: each symbol is one observation about the header block, scored like
// SpamAssassin's header rules. Hit rates on the development corpus: bench/symbol-hits-text.ts.

/** A Date this much after the message was received is in the future (clock skew is less). */
const FUTURE_DATE_MS = 24 * 3600_000;
/** A Date this much before the earliest Received hop was made up or reused (queues give up after 5 days). */
const PAST_DATE_MS = 7 * 24 * 3600_000;
/** Exclamation marks in a subject that make it shout. */
const SUBJECT_EXCLAMATIONS = 3;
/** Header values are read up to this length; longer ones are cut (a field may be 998 bytes per line, folded many times). */
const MAX_VALUE = 4096;
/** Characters of body text looked at for the subject's script, and body bytes for 8-bit ones. */
const MAX_BODY_SCAN = 20_000;

const MESSAGE_ID = /^<[^<>\s@]{1,250}@[^<>\s@]{1,250}>$/;
const UNDISCLOSED = /^\s*"?undisclosed[- ]recipients?"?\s*:\s*;?\s*$/i;

const headerSymbols = {
  HDR_MISSING_DATE: { score: 1.0, description: 'No Date header' },
  HDR_MISSING_MESSAGE_ID: { score: 1.0, description: 'No Message-ID header' },
  HDR_MISSING_FROM: { score: 1.5, description: 'No From header' },
  HDR_DATE_MALFORMED: { score: 3.0, description: 'Date is not an RFC 5322 date-time' },
  HDR_DATE_WRONG_WEEKDAY: { score: 3.0, description: "Date's day name is not the day of its date" },
  HDR_DATE_NO_ZONE: { score: 1.5, description: 'Date has no time zone' },
  HDR_MESSAGE_ID_MALFORMED: { score: 1.8, description: 'Message-ID is not <id@domain>' },
  HDR_FROM_MALFORMED: { score: 2.2, description: 'From has no valid address' },
  HDR_DATE_FUTURE: { score: 2.0, description: 'Date is more than a day after the message was received' },
  HDR_DATE_PAST: { score: 1.5, description: 'Date is more than a week before the earliest Received hop' },
  HDR_FROM_NAME_OTHER_ADDRESS: { score: 0.4, description: "From's display name shows another address than the sender's" },
  HDR_FROM_NAME_BRAND: { score: 1.0, description: "From's display name is a well-known brand but the address is not the brand's" },
  HDR_REPLYTO_OTHER_DOMAIN: { score: 0.2, description: 'Reply-To goes to another domain than From, and not to a recipient' },
  HDR_FORGED_OUTLOOK: { score: 3.1, description: 'X-Mailer claims Outlook but the Message-ID is not one Outlook writes' },
  HDR_FORGED_MOZILLA: { score: 2.0, description: 'User-Agent claims Thunderbird, SeaMonkey or Netscape but the Message-ID is not one they write' },
  HDR_FORGED_THEBAT: { score: 2.0, description: 'X-Mailer claims The Bat! but the Message-ID is not one it writes' },
  HDR_FORGED_AOL: { score: 2.0, description: 'X-Mailer claims the AOL client but From is not an AOL account' },
  HDR_OUTLOOK_ID_TIME: { score: 2.0, description: "Message-ID in Outlook's form but its time is not the Date's (made up)" },
  HDR_OUTLOOK_ID_NO_MAILER: { score: 1.5, description: "Message-ID in Outlook's form but no X-Mailer, User-Agent or Exchange header" },
  HDR_MSMAIL_PRIORITY_NO_MAILER: { score: 1.0, description: "Outlook's X-MSMail-Priority but no X-Mailer, User-Agent or Exchange header" },
  HDR_FORGED_OE_BOUNDARY: { score: 1.6, description: 'X-Mailer claims Outlook Express but the MIME boundary is not its own' },
  HDR_SUBJECT_CAPS: { score: 1.5, description: 'Subject is all capitals' },
  HDR_SUBJECT_EXCLAIM: { score: 0.2, description: 'Subject has three or more exclamation marks' },
  HDR_SUBJECT_MONEY: { score: 2.0, description: 'Subject mentions money, prizes or "free"' },
  HDR_SUBJECT_TRAILING_TAG: { score: 1.5, description: 'Subject ends with a tag after a run of spaces (unique per copy)' },
  HDR_SUBJECT_RANDOM_TOKEN: { score: 1.0, description: 'Subject has a random token of mixed case and digits' },
  HDR_SUBJECT_ADV: { score: 3.0, description: 'Subject starts with the ADV: advertising label' },
  HDR_SUBJECT_CHARSET_SCRIPT: { score: 1.0, description: "Subject is encoded in a charset of a script the body text does not use" },
  HDR_SUBJECT_NEEDLESS_ENCODING: { score: 0.9, description: 'Subject is base64-encoded though it is plain ASCII' },
  HDR_SUBJECT_RAW_8BIT: { score: 0.9, description: 'Subject has 8-bit characters without RFC 2047 encoding' },
  HDR_UNDISCLOSED_RECIPIENTS: { score: 1.0, description: 'To is "undisclosed-recipients"' },
  HDR_MAILER_RATWARE: { score: 2.1, description: 'X-Mailer names a bulk-spam program, or is only a number' },
  HDR_PRIORITY_NO_MAILER: { score: 1.1, description: 'X-Priority 1 (highest) without any mail client header' },
  HDR_NO_MIME_VERSION_8BIT: { score: 0.6, description: '8-bit body without a MIME-Version header' },
  HDR_FROM_IS_TO: { score: 0.5, description: 'From and To are the same address' },
  HDR_IN_THREAD: { score: -1.0, description: 'An answer in a thread: In-Reply-To or References names earlier messages' },
} satisfies Record<string, SymbolDef>;

type HeaderSymbol = keyof typeof headerSymbols;

/** A message id somewhere in In-Reply-To or References: `<local@domain>`, bounded. */
const MESSAGE_ID_IN = /<[^<>\s@]{1,200}@[^<>\s@]{1,200}>/;

function firstValue(message: Message, name: string): string | undefined {
  const v = message.header(name)[0];
  return v === undefined ? undefined : unfold(v).slice(0, MAX_VALUE);
}

/**
 * The Date heuristics. Returns when the message says it was sent, the times that can be read
 * of its Date and its earliest Received hop, for the mailer checks to compare Message-ID
 * timestamps with.
 */
function dateHits(message: Message, add: (s: HeaderSymbol, detail?: string) => void): number[] {
  const received = receivedTimes(message);
  const hops = received === undefined ? [] : [received.earliest];
  const value = firstValue(message, 'date');
  if (value === undefined) {
    add('HDR_MISSING_DATE');
    return hops;
  }
  const parsed = readMailDate(value);
  if (parsed === undefined) {
    add('HDR_DATE_MALFORMED', value.trim().slice(0, 60));
    return hops;
  }
  if (!parsed.weekdayMatches) add('HDR_DATE_WRONG_WEEKDAY', value.trim().slice(0, 60));
  if (!parsed.zoned) add('HDR_DATE_NO_ZONE', value.trim().slice(0, 60));
  const date = parsed.time;
  if (received !== undefined) {
    const hours = (t: number) => `${Math.round(Math.abs(date - t) / 3600_000)} h`;
    if (date - received.last > FUTURE_DATE_MS) add('HDR_DATE_FUTURE', hours(received.last));
    else if (received.earliest - date > PAST_DATE_MS) add('HDR_DATE_PAST', hours(received.earliest));
  }
  return [date, ...hops];
}

/** Mailman and Google Groups rewrite From to the list's address as "Name via List" (DMARC mitigation). */
const VIA_LIST = /\svia\s/i;

function addressHits(message: Message, add: (s: HeaderSymbol, detail?: string) => void): void {
  const fromValue = firstValue(message, 'from');
  const from = fromValue === undefined ? undefined : firstMailbox(fromValue);
  if (from === undefined) add('HDR_MISSING_FROM');
  else if (from.address === '') add('HDR_FROM_MALFORMED', fromValue!.trim().slice(0, 60));
  else {
    const shown = addressInText(from.name);
    if (shown !== undefined && shown !== from.address && !VIA_LIST.test(from.name)) {
      add('HDR_FROM_NAME_OTHER_ADDRESS', shown);
    }
    const brand = VIA_LIST.test(from.name) ? undefined : claimedBrand(from.name, from.domain);
    if (brand !== undefined) add('HDR_FROM_NAME_BRAND', `${brand} <${from.domain}>`);
  }
  const to = firstValue(message, 'to');
  const recipients = `${to ?? ''},${firstValue(message, 'cc') ?? ''}`.toLowerCase();
  const replyTo = firstValue(message, 'reply-to');
  if (from?.domain && replyTo !== undefined) {
    const reply = firstMailbox(replyTo);
    // A list sets Reply-To to its own address, which is also where the message was sent, or,
    // when it rewrote From "via" itself, to the author's.
    const otherDomain = reply.domain !== '' && registrableDomain(reply.domain) !== registrableDomain(from.domain);
    if (otherDomain && !recipients.includes(reply.address) && !VIA_LIST.test(from.name)) {
      add('HDR_REPLYTO_OTHER_DOMAIN', reply.domain);
    }
  }
  if (to === undefined) return;
  if (UNDISCLOSED.test(to)) add('HDR_UNDISCLOSED_RECIPIENTS');
  else if (from?.address && firstMailbox(to).address === from.address && !to.includes(',') && !VIA_LIST.test(from.name)) {
    add('HDR_FROM_IS_TO');
  }
}

function subjectHits(message: Message, log: CheckContext['log'], add: (s: HeaderSymbol, detail?: string) => void): void {
  const field = message.header('subject')[0];
  if (field === undefined) return;
  const raw = unfold(field).slice(0, MAX_VALUE);
  const subject = decodeWords(raw);
  if (isAllCaps(subject)) add('HDR_SUBJECT_CAPS');
  if (exclamations(subject) >= SUBJECT_EXCLAMATIONS) add('HDR_SUBJECT_EXCLAIM');
  if (hasMoneyWords(subject)) add('HDR_SUBJECT_MONEY');
  if (hasRaw8bit(raw)) add('HDR_SUBJECT_RAW_8BIT');
  if (hasTrailingTag(field)) add('HDR_SUBJECT_TRAILING_TAG');
  if (hasRandomToken(subject)) add('HDR_SUBJECT_RANDOM_TOKEN');
  if (isAdvertisementLabel(subject)) add('HDR_SUBJECT_ADV');
  const words = encodedWords(raw);
  if (words.length === 0) return;
  if (words.every((w) => w.encoding === 'b') && /^[\x20-\x7e]*$/.test(subject)) add('HDR_SUBJECT_NEEDLESS_ENCODING');
  // The first charset that implies a script decides (subjects rarely mix charsets).
  for (const { charset } of words) {
    const script = scriptOfCharset(charset);
    if (script === undefined) continue;
    const body = textOf(message, log).slice(0, MAX_BODY_SCAN);
    if (/\p{L}/u.test(body) && !script.test(body)) add('HDR_SUBJECT_CHARSET_SCRIPT', charset);
    return;
  }
}

function mailerHits(message: Message, sent: readonly number[], add: (s: HeaderSymbol, detail?: string) => void): void {
  const ratware = ratwareMailer(message);
  if (ratware !== undefined) add('HDR_MAILER_RATWARE', ratware);
  if (forgedOutlookMessageId(message)) add('HDR_FORGED_OUTLOOK');
  if (forgedOutlookExpressBoundary(message)) add('HDR_FORGED_OE_BOUNDARY');
  if (forgedMozillaMessageId(message, sent)) add('HDR_FORGED_MOZILLA');
  if (forgedTheBatMessageId(message, sent)) add('HDR_FORGED_THEBAT');
  if (forgedAolFrom(message)) add('HDR_FORGED_AOL');
  if (outlookIdWithoutMailer(message)) add('HDR_OUTLOOK_ID_NO_MAILER');
  const idTimeOff = outlookIdTimeOff(message, sent);
  if (idTimeOff !== undefined) add('HDR_OUTLOOK_ID_TIME', `${idTimeOff} h`);
  if (msMailPriorityWithoutMailer(message)) add('HDR_MSMAIL_PRIORITY_NO_MAILER');
  const priority = firstValue(message, 'x-priority');
  if (priority !== undefined && /^\s*1\b/.test(priority) && !['x-mailer', 'user-agent'].some((h) => message.header(h).length > 0)) {
    add('HDR_PRIORITY_NO_MAILER');
  }
  if (message.header('mime-version').length === 0 && has8bit(message.body)) add('HDR_NO_MIME_VERSION_8BIT');
}

/** A byte above 0x7f in the first MAX_BODY_SCAN bytes. */
function has8bit(body: Buffer): boolean {
  const end = Math.min(body.length, MAX_BODY_SCAN);
  for (let i = 0; i < end; i++) if (body[i]! >= 0x80) return true;
  return false;
}

/** The header heuristics family. */
export const headersCheck: Check = {
  name: 'content-headers',
  stage: 'eom',
  // HDR_SUBJECT_CHARSET_SCRIPT compares the subject with the body text.
  needsBody: true,
  symbols: headerSymbols,
  run({ message, log }) {
    const hits: Hit[] = [];
    const add = (symbol: HeaderSymbol, detail?: string) => hits.push(detail === undefined ? { symbol } : { symbol, detail });
    const id = firstValue(message, 'message-id');
    if (id === undefined) add('HDR_MISSING_MESSAGE_ID');
    else if (!MESSAGE_ID.test(id.trim())) add('HDR_MESSAGE_ID_MALFORMED', id.trim().slice(0, 60));
    // Replies name the message they answer. Spam seldom does (2 % of the development spam, 66 %
    // of its ham); thread-hijacking phishing does, so it only leans toward ham.
    const parent = firstValue(message, 'in-reply-to') ?? firstValue(message, 'references');
    if (parent !== undefined && MESSAGE_ID_IN.test(parent)) add('HDR_IN_THREAD');
    const sent = dateHits(message, add);
    addressHits(message, add);
    subjectHits(message, log, add);
    mailerHits(message, sent, add);
    return hits;
  },
};
