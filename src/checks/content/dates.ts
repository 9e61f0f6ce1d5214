import type { Message } from '../../message/message.js';
import { unfold } from '../../message/mime.js';

// RFC 5322 3.3 date-time, read leniently the way mail clients read it: the day name is
// optional, the year may have two digits (obs-year), seconds may be missing, the zone may be
// an obsolete name (GMT, EST, ...) and a trailing comment like "(PDT)" is ignored. Anything
// else (a 12-hour clock, a zone offset beyond ±14:00, day 31 of February) is malformed.
// The time of day runs from 00:00:00 to 23:59:60 (RFC 5322 3.3): second 60 is a leap second,
// valid and read as :59 (a JavaScript time has no leap seconds); minute 60 and hour 24 are no
// time at all, so a Date with them is malformed and a Received hop with them has no date,
// rather than being rolled over into the next hour or day.

/** Longer values are not parsed: no date-time is that long, and regex work stays bounded. */
const MAX_DATE_LENGTH = 160;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * RFC 5322 4.3 obs-zone names, in minutes east of UTC. Other alphabetic zones (military
 * letters, CEST, JST, ...) count as UTC, as 4.3 advises for zones of unknown meaning.
 */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
};

/** Zone offsets beyond this do not exist (UTC+14:00 is the easternmost, UTC-12:00 the westernmost). */
const MAX_ZONE_MINUTES = 14 * 60;

// White space is collapsed to single spaces before matching, so every separator is ` ?` or ` `
// and no two quantifiers compete for the same characters: linear time.
const DATE_TIME = new RegExp(
  '^(?:(mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\\.? ?, ?)?' + // optional day name
    '(\\d{1,2}) ?-?([a-z]{3})[a-z]{0,6}\\.?-? ?(\\d{2,4}),? ' + // day month year
    '(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.\\d{1,6})?)?' + // time
    '(?: ?([+-]\\d{4}|[a-z]{1,5}))?' + // zone
    '(?: ?\\([^()]{0,60}\\))?$', // trailing comment
  'i',
);

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface ParsedDate {
  /** Milliseconds since the epoch. */
  time: number;
  /**
   * The day name as written matches the date (true when no day name was written); a wrong one
   * ("Mon, 22 Aug 2002") was made up by a program.
   */
  weekdayMatches: boolean;
  /**
   * A zone was written. RFC 5322 requires one; a date-time without ("Wed, 24 Jul 2002
   * 20:03:30") is read as UTC, but no mail client or MTA writes it, only bulk-mail programs
   * that fill in the date themselves.
   */
  zoned: boolean;
}

/** A Date-style header value read once: its time and what its spelling gives away; undefined when it is not a valid date-time. */
export function readMailDate(value: string): ParsedDate | undefined {
  const v = unfold(value).trim();
  if (v.length === 0 || v.length > MAX_DATE_LENGTH) return undefined;
  const m = DATE_TIME.exec(v.replace(/\s+/g, ' '));
  if (m === null) return undefined;
  const day = Number(m[2]);
  const month = MONTHS.indexOf(m[3]!.toLowerCase());
  let year = Number(m[4]);
  if (m[4]!.length === 2) year += year < 50 ? 2000 : 1900; // RFC 5322 4.3 obs-year
  else if (m[4]!.length === 3) year += 1900;
  const hour = Number(m[5]);
  const minute = Number(m[6]);
  const second = m[7] === undefined ? 0 : Number(m[7]);
  const offset = zoneMinutes(m[8]);
  if (month < 0 || offset === undefined || hour > 23 || minute > 59 || second > 60) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const local = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  const weekday = m[1] === undefined ? undefined : DAYS.indexOf(m[1].toLowerCase());
  return { time: local - offset * 60_000, weekdayMatches: weekday === undefined || weekday === new Date(local).getUTCDay(), zoned: m[8] !== undefined };
}

/**
 * Milliseconds since the epoch of a Date-style header value, or undefined when it is not a
 * valid date-time. A missing zone is accepted as UTC (old clients omit it).
 */
export function parseMailDate(value: string): number | undefined {
  return readMailDate(value)?.time;
}


function zoneMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined) return 0;
  if (zone[0] === '+' || zone[0] === '-') {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(3, 5));
    const total = hours * 60 + minutes;
    if (minutes > 59 || total > MAX_ZONE_MINUTES) return undefined;
    return zone[0] === '-' ? -total : total;
  }
  return ZONES[zone.toLowerCase()] ?? 0;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Received fields read for their dates: real paths have a handful of hops, forged ones may have hundreds. */
const MAX_RECEIVED_HOPS = 30;

export interface ReceivedTimes {
  /**
   * When the message arrived: the date-time the topmost `Received:` field ends with (the last
   * hop, added by our own MTA). Dates in the message are judged against this time, not the
   * clock, so stored mail is judged as it was when it came in.
   */
  last: number;
  /** The earliest date of any hop: the message existed then (mail fetched again later keeps its old hops). */
  earliest: number;
}

/** The dates of the Received hops, or undefined when the topmost has none that parses. */
export function receivedTimes(message: Message): ReceivedTimes | undefined {
  let times: ReceivedTimes | undefined;
  let hops = 0;
  for (const field of message.headers) {
    if (field.name.toLowerCase() !== 'received') continue;
    if (++hops > MAX_RECEIVED_HOPS) break;
    const semicolon = field.value.lastIndexOf(';');
    const time = semicolon < 0 ? undefined : parseMailDate(field.value.slice(semicolon + 1));
    if (times === undefined) {
      if (time === undefined) return undefined;
      times = { last: time, earliest: time };
    } else if (time !== undefined && time < times.earliest) times.earliest = time;
  }
  return times;
}
