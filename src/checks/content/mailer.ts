import type { Message } from '../../message/message.js';
import { unfold } from '../../message/mime.js';
import { firstMailbox } from './addresses.js';

// Forged mail-client headers. Spam tools copy a well-known client's X-Mailer but not the
// rest of its fingerprint. Only fingerprints that are stable over every version seen are used:
//
// - Outlook (the desktop client, 97 to 2016+) and Outlook Express write Message-IDs of the
//   form <hex{8,12}$hex{8}$hex{8}@host> or, from Outlook 2007 on, <hex{12}$hex{8}$hex{8}$@host>.
//   After a 4-hex counter the ID holds the time it was written, a Windows FILETIME in hex
//   (high and low 32 bits, split by "$"); ratware fills the form with random hex, so that time
//   is not the Date's (SpamAssassin's MSGID_OUTLOOK_INVALID reads it the same way).
//   Mail that went through Exchange carries Exchange's own ID instead, but then also an
//   Exchange header (Thread-Index, X-MimeOLE or X-MS-Has-Attach); without those the client
//   wrote the ID itself. Outlook names itself (X-Mailer, or X-MimeOLE and Thread-Index through
//   Exchange): its ID form or X-MSMail-Priority field on mail that names no client was copied.
// - Outlook Express always writes multipart boundaries as "----=_NextPart_...".
// - Netscape, the Mozilla suite, SeaMonkey and Thunderbird write <HEX{8}.HEX{1,8}@host>, the
//   Unix time in hex and a counter; Thunderbird 60 and later a UUID.
// - The Bat! writes <counter.YYYYMMDDhhmmss@host>, the time in the sender's zone.
// - A news gateway (Gmane) or Exchange Online writes its own ID for what a client posted, and
//   says so in its headers.
// - The AOL client ("AOL 7.0 for Windows US sub 118") sends only through AOL, from an AOL
//   account, so its From is an AOL-family address.
//
// A time in an ID is checked against when the message says it was sent (`sent`: its Date and
// its earliest Received hop, as the header check read them), with 30 hours of slack for time
// zones and slow queues.

/** Message-IDs of Outlook and Outlook Express. */
const OUTLOOK_MESSAGE_ID = /^<[0-9a-f]{8,12}\$[0-9a-f]{8}\$[0-9a-f]{8}\$?@[^<>\s]{1,255}>$/i;

/** X-Mailer values of Outlook (not Outlook Express, not Outlook for Mac, not the CDO library). */
const OUTLOOK = /^microsoft (?:office )?outlook(?:,| build| \d| imo)/i;
const OUTLOOK_EXPRESS = /^microsoft outlook express \d/i;

/** Headers that show Exchange or Outlook's MAPI layer handled the message. */
const EXCHANGE_HEADERS = ['thread-index', 'x-mimeole', 'x-ms-has-attach', 'x-ms-tnef-correlator'];

/** Message-IDs (left-hand side) of the Mozilla family of mail clients: the older form holds the Unix time in hex. */
const MOZILLA_ID_TIMED = /^([0-9a-f]{8})\.[0-9a-f]{1,8}$/i;
const MOZILLA_ID_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * User-Agent or X-Mailer values of the Mozilla family: Thunderbird's own ("Thunderbird 2.0.0.9
 * (Windows/20071031)"), Netscape 4's ("Mozilla 4.75 [en] (Win98; U)") and the Gecko mail
 * clients' ("Mozilla/5.0 (...) Gecko/20100101 Thunderbird/91.4.0"). A browser's Gecko string
 * (Firefox) is left out: webmail passes it on with an ID of its own.
 */
const MOZILLA_CLIENT = /^(?:(?:mozilla[- ])?thunderbird \d|icedove \d|seamonkey \d|mozilla[/ ]4\.\d{1,2} \[[a-z]{2}\]|mozilla\/5\.0 \([^()]{0,200}\) gecko\/\d{8}(?: (?:thunderbird|icedove|seamonkey|lightning)\/[\d.]{1,20}(?:[a-z]+\d*)?)*$)/i;
/** Headers of a news gateway that posted the message under its own Message-ID. */
const NEWS_HEADERS = ['newsgroups', 'nntp-posting-host', 'x-complaints-to', 'path'];
/** Exchange Online's own Message-IDs: it replaces a client's ID when it submits the message. */
const EXCHANGE_ONLINE_ID = /@[a-z0-9.-]{1,200}\.prod\.outlook\.com>$/i;

/** An Outlook-form Message-ID with its time: FILETIME high and low 32 bits. */
const OUTLOOK_ID_TIME = /^<[0-9a-f]{4}([0-9a-f]{8})\$([0-9a-f]{8})\$[0-9a-f]{8}\$?@/i;
/** Milliseconds from the FILETIME epoch (1601-01-01) to the Unix epoch. */
const FILETIME_TO_UNIX_MS = 11_644_473_600_000;
/** How far a Message-ID's time may be from the Date and the first hop: about SpamAssassin's 250 units of 2^32 FILETIME ticks. */
const ID_TIME_SLACK_MS = 30 * 3600_000;

/** X-Mailer of The Bat! ("The Bat! (v3.61.05) Educational"). */
const THE_BAT = /^the bat! \(v\d/i;
/** The Bat!'s Message-ID: a counter, then the sender's local time (YYYYMMDDhhmmss). */
const THE_BAT_ID = /^<\d{1,12}\.(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)@/;

/** X-Mailer values of the AOL client and AOL's webmail. */
const AOL_MAILER = /^aol (?:\d|webmail)/i;
/** Domains of AOL's mail accounts, past and present (AOL, AIM, CompuServe, Netscape, Verizon). */
const AOL_DOMAIN = /(?:^|\.)(?:aol\.(?:com|[a-z]{2}|co\.[a-z]{2})|aim\.com|cs\.com|compuserve\.com|netscape\.net|wmconnect\.com|verizon\.net|love\.com|games\.com|ygm\.com)$/;

const MAX_FIELD = 512;

function first(message: Message, name: string): string | undefined {
  const v = message.header(name)[0];
  return v === undefined ? undefined : unfold(v).slice(0, MAX_FIELD).trim();
}

/** X-Mailer claims Outlook or Outlook Express but the Message-ID is not one they write. */
export function forgedOutlookMessageId(message: Message): boolean {
  const mailer = first(message, 'x-mailer');
  if (mailer === undefined || !(OUTLOOK.test(mailer) || OUTLOOK_EXPRESS.test(mailer))) return false;
  const id = first(message, 'message-id');
  if (id === undefined || OUTLOOK_MESSAGE_ID.test(id)) return false;
  return !EXCHANGE_HEADERS.some((h) => message.header(h).length > 0);
}

/**
 * User-Agent or X-Mailer claims Thunderbird, SeaMonkey or Netscape but the Message-ID is not
 * one they write, or its time is not when the message was sent.
 */
export function forgedMozillaMessageId(message: Message, sent: readonly number[]): boolean {
  const client = first(message, 'user-agent') ?? first(message, 'x-mailer');
  if (client === undefined || !MOZILLA_CLIENT.test(client)) return false;
  const id = first(message, 'message-id');
  if (id === undefined) return false;
  const left = /^<([^<>@\s]{1,250})@/.exec(id)?.[1] ?? '';
  const timed = MOZILLA_ID_TIMED.exec(left);
  if (timed !== null) return idTimeOff(parseInt(timed[1]!, 16) * 1000, sent) !== undefined;
  return !MOZILLA_ID_UUID.test(left) && !idWrittenByGateway(message, id);
}

/**
 * X-Mailer claims The Bat! but the Message-ID is not its <counter.YYYYMMDDhhmmss@host>, or
 * that time (the sender's local time) is not when the message was sent.
 */
export function forgedTheBatMessageId(message: Message, sent: readonly number[]): boolean {
  const mailer = first(message, 'x-mailer');
  if (mailer === undefined || !THE_BAT.test(mailer)) return false;
  const id = first(message, 'message-id');
  if (id === undefined) return false;
  const m = THE_BAT_ID.exec(id);
  if (m === null) return !idWrittenByGateway(message, id);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return true;
  return idTimeOff(Date.UTC(year, month - 1, day, hour, minute, second), sent) !== undefined;
}

/** A news gateway or Exchange wrote the Message-ID in place of the client's, and says so. */
function idWrittenByGateway(message: Message, id: string): boolean {
  return EXCHANGE_ONLINE_ID.test(id) || [...NEWS_HEADERS, ...EXCHANGE_HEADERS].some((h) => message.header(h).length > 0);
}

/** X-Mailer claims the AOL client but From is not an AOL account. */
export function forgedAolFrom(message: Message): boolean {
  const mailer = first(message, 'x-mailer');
  if (mailer === undefined || !AOL_MAILER.test(mailer)) return false;
  const from = first(message, 'from');
  return from !== undefined && !AOL_DOMAIN.test(firstMailbox(from).domain);
}

/** Hours between the time in an Outlook-form Message-ID and when the message was sent (idTimeOff), or undefined. */
export function outlookIdTimeOff(message: Message, sent: readonly number[]): number | undefined {
  const id = first(message, 'message-id');
  const m = id === undefined ? null : OUTLOOK_ID_TIME.exec(id);
  if (m === null) return undefined;
  return idTimeOff((parseInt(m[1]!, 16) * 2 ** 32 + parseInt(m[2]!, 16)) / 10_000 - FILETIME_TO_UNIX_MS, sent);
}

/**
 * Hours between the time a client wrote into its Message-ID and the times the message says it
 * was sent, when it is more than ID_TIME_SLACK_MS from each; else undefined (also when no
 * time could be read).
 */
function idTimeOff(written: number, sent: readonly number[]): number | undefined {
  const offs = sent.map((t) => Math.abs(written - t));
  if (offs.length === 0 || offs.some((off) => off <= ID_TIME_SLACK_MS)) return undefined;
  return Math.round(Math.min(...offs) / 3600_000);
}

/** Headers by which Outlook, Outlook Express or Exchange name themselves. */
const MICROSOFT_CLIENT_HEADERS = ['x-mailer', 'user-agent', 'x-mimeole', 'thread-index'];

const namesMicrosoftClient = (message: Message) => MICROSOFT_CLIENT_HEADERS.some((h) => message.header(h).length > 0);

/** An Outlook-form Message-ID (<hex$hex$hex@host>) on mail that names no client at all. */
export function outlookIdWithoutMailer(message: Message): boolean {
  const id = first(message, 'message-id');
  return id !== undefined && OUTLOOK_MESSAGE_ID.test(id) && !namesMicrosoftClient(message);
}

/** Outlook's X-MSMail-Priority field on mail that names no client at all. */
export function msMailPriorityWithoutMailer(message: Message): boolean {
  return message.header('x-msmail-priority').length > 0 && !namesMicrosoftClient(message);
}

/** X-Mailer claims Outlook Express but the top-level multipart boundary is not its "----=_NextPart_". */
export function forgedOutlookExpressBoundary(message: Message): boolean {
  const mailer = first(message, 'x-mailer');
  if (mailer === undefined || !OUTLOOK_EXPRESS.test(mailer)) return false;
  const type = first(message, 'content-type');
  if (type === undefined || !/^\s*multipart\//i.test(type)) return false;
  const boundary = /boundary\s*=\s*"?([^";\s]{1,200})/i.exec(type)?.[1];
  return boundary !== undefined && !boundary.startsWith('----=_NextPart_');
}

/**
 * Bulk-mailing programs sold for sending spam ("ratware"), by the names they put in X-Mailer,
 * and an X-Mailer that is only a number, which no mail client writes.
 */
const RATWARE = /^(?:\d[\d.]*\s*$|.*\b(?:quick ?sender|envex developments|easy dm|group mail|dynamic mail|mass ?mail(?:er)?|bulk ?mail(?:er)?|send-safe|advanced mass sender|ultimate mailer|floodgate|emarksman|worldcast|aureate)\b)/i;

export function ratwareMailer(message: Message): string | undefined {
  const mailer = first(message, 'x-mailer');
  return mailer !== undefined && RATWARE.test(mailer) ? mailer.slice(0, 40) : undefined;
}
