import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { claimedBrand, firstMailbox } from '../../src/checks/content/addresses.js';
import { parseMailDate, receivedTimes } from '../../src/checks/content/dates.js';
import { headersCheck } from '../../src/checks/content/headers.js';
import { messageFromRaw } from '../../src/message/parse.js';

const limits = { maxScanBytes: 8 << 20, maxHeaders: 1000 };
const log = pino({ level: 'silent' });

const RECEIVED = 'from mx.example.net (mx.example.net [192.0.2.1]) by mail.example.org (Postfix) with ESMTP id 1A2B3C\n\tfor <bob@example.org>; Thu, 22 Aug 2002 14:23:38 +0100 (IST)';

/** A plain, well-formed message; `fields` replaces (or with undefined removes) header fields. */
function eml(fields: Record<string, string | undefined> = {}, body = 'Hello Bob,\n\nsee you at the meeting.\n'): Buffer {
  const base: Record<string, string | undefined> = {
    Received: RECEIVED,
    From: 'Alice Example <alice@example.com>',
    To: 'Bob <bob@example.org>',
    Subject: 'Meeting notes',
    Date: 'Thu, 22 Aug 2002 09:20:01 -0400',
    'Message-ID': '<20020822132001.GA1234@mail.example.com>',
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
  };
  const merged = { ...base, ...fields };
  const head = Object.entries(merged).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join('\n');
  return Buffer.concat([Buffer.from(`${head}\n\n`), Buffer.from(body)]);
}

function symbols(raw: Buffer): string[] {
  const message = messageFromRaw(raw, limits);
  const hits = headersCheck.run({ message, signal: new AbortController().signal, log }) as { symbol: string }[];
  return hits.map((h) => h.symbol);
}

describe('content headers: the plain message', () => {
  it('a well-formed message hits nothing', () => {
    expect(symbols(eml())).toEqual([]);
  });
});

describe('missing and malformed Date, Message-ID, From', () => {
  it('missing fields', () => {
    expect(symbols(eml({ Date: undefined }))).toContain('HDR_MISSING_DATE');
    expect(symbols(eml({ 'Message-ID': undefined }))).toContain('HDR_MISSING_MESSAGE_ID');
    expect(symbols(eml({ From: undefined }))).toContain('HDR_MISSING_FROM');
  });

  it('Date: lenient with what clients send, strict with impossible values', () => {
    for (const ok of ['22 Aug 2002 09:20:01 GMT', 'Thu, 22 Aug 02 09:20 EDT', 'Thu,  22 Aug 2002 09:20:01 +0000 (UTC)', 'thu, 22 aug 2002 09:20:01 -0400', 'Thu, 22 Aug 2002 09:20:01 CEST']) {
      expect(symbols(eml({ Date: ok })), ok).not.toContain('HDR_DATE_MALFORMED');
    }
    for (const bad of ['Thu, 22 Aug 2002 3:10:22 PM -0400', '2002-08-22 09:20:01', 'Thu, 31 Feb 2002 09:20:01 +0000', 'Thu, 22 Aug 2002 09:20:01 -1900', 'yesterday']) {
      expect(symbols(eml({ Date: bad })), bad).toContain('HDR_DATE_MALFORMED');
    }
  });

  it('Date: second 60 is a leap second, minute 60 and hour 24 are malformed (issue 12)', () => {
    expect(parseMailDate('Sat, 31 Dec 2016 23:59:60 +0000')).toBe(Date.UTC(2016, 11, 31, 23, 59, 59));
    expect(symbols(eml({ Date: 'Thu, 22 Aug 2002 09:20:60 -0400' }))).not.toContain('HDR_DATE_MALFORMED');
    for (const bad of ['Thu, 22 Aug 2002 09:60:00 -0400', 'Thu, 22 Aug 2002 09:60 -0400', 'Thu, 22 Aug 2002 24:00:00 -0400', 'Thu, 22 Aug 2002 09:20:61 -0400']) {
      expect(parseMailDate(bad), bad).toBeUndefined();
      expect(symbols(eml({ Date: bad })), bad).toContain('HDR_DATE_MALFORMED');
    }
  });

  it('a date-time without a zone', () => {
    expect(symbols(eml({ Date: 'Wed, 24 Jul 2002 20:03:30' }))).toContain('HDR_DATE_NO_ZONE');
    expect(symbols(eml({ Date: 'Wed, 24 Jul 2002 20:03:30' }))).not.toContain('HDR_DATE_MALFORMED');
    expect(symbols(eml({ Date: '24 Jul 2002 20:03 (PDT)' }))).toContain('HDR_DATE_NO_ZONE');
    for (const zoned of ['Wed, 24 Jul 2002 20:03:30 -0700', 'Wed, 24 Jul 2002 20:03:30 GMT', 'Wed, 24 Jul 2002 20:03:30 -0700 (PDT)']) {
      expect(symbols(eml({ Date: zoned })), zoned).not.toContain('HDR_DATE_NO_ZONE');
    }
  });

  it('a day name that is not the day of the date', () => {
    expect(symbols(eml({ Date: 'Mon, 22 Aug 2002 09:20:01 -0400' }))).toContain('HDR_DATE_WRONG_WEEKDAY');
    // The day name belongs to the local date, not the UTC one: 23:30 -0400 on Thursday is Friday in UTC.
    expect(symbols(eml({ Date: 'Thu, 22 Aug 2002 23:30:00 -0400' }))).not.toContain('HDR_DATE_WRONG_WEEKDAY');
    expect(symbols(eml({ Date: '22 Aug 2002 09:20:01 -0400' }))).not.toContain('HDR_DATE_WRONG_WEEKDAY');
  });

  it('parseMailDate reads zones and two-digit years', () => {
    expect(parseMailDate('Thu, 22 Aug 2002 09:20:01 -0400')).toBe(Date.UTC(2002, 7, 22, 13, 20, 1));
    expect(parseMailDate('22 Aug 02 09:20:01 EDT')).toBe(Date.UTC(2002, 7, 22, 13, 20, 1));
    expect(parseMailDate('22 Aug 99 09:20:01 GMT')).toBe(Date.UTC(1999, 7, 22, 9, 20, 1));
  });

  it('Message-ID must be <left@right>; domain literals are fine', () => {
    expect(symbols(eml({ 'Message-ID': '20020822132001.GA1234@mail.example.com' }))).toContain('HDR_MESSAGE_ID_MALFORMED');
    expect(symbols(eml({ 'Message-ID': '<no at sign>' }))).toContain('HDR_MESSAGE_ID_MALFORMED');
    expect(symbols(eml({ 'Message-ID': '<p04330137b98a941c58a8@[209.202.248.109]>' }))).not.toContain('HDR_MESSAGE_ID_MALFORMED');
  });

  it('From must hold an address; the old "addr (Name)" form is fine', () => {
    expect(symbols(eml({ From: 'Customer Service' }))).toContain('HDR_FROM_MALFORMED');
    expect(symbols(eml({ From: '<@>' }))).toContain('HDR_FROM_MALFORMED');
    expect(symbols(eml({ From: 'alice@example.com (Alice Example)' }))).not.toContain('HDR_FROM_MALFORMED');
    expect(firstMailbox('"Example, Alice" <Alice@Example.COM>')).toEqual({ name: 'Example, Alice', address: 'alice@example.com', domain: 'example.com' });
  });
});

describe('dates against the time the message was received', () => {
  it('a Date more than a day after the topmost Received is in the future', () => {
    expect(symbols(eml({ Date: 'Sun, 25 Aug 2002 09:20:01 -0400' }))).toContain('HDR_DATE_FUTURE');
    expect(symbols(eml({ Date: 'Thu, 22 Aug 2002 22:00:00 -0400' }))).not.toContain('HDR_DATE_FUTURE');
  });

  it('a Date more than a week before every Received hop is in the past', () => {
    expect(symbols(eml({ Date: 'Thu, 1 Aug 2002 09:20:01 -0400' }))).toContain('HDR_DATE_PAST');
    expect(symbols(eml({ Date: 'Mon, 19 Aug 2002 09:20:01 -0400' }))).not.toContain('HDR_DATE_PAST');
  });

  it('mail fetched again long after it was sent keeps its old hops and is not "past"', () => {
    const raw = eml({ Date: 'Thu, 1 Aug 2002 09:20:01 -0400' }).toString()
      .replace('MIME-Version', 'Received: from a.example by b.example; Thu, 1 Aug 2002 09:20:05 -0400\nMIME-Version');
    expect(symbols(Buffer.from(raw))).not.toContain('HDR_DATE_PAST');
    const times = receivedTimes(messageFromRaw(Buffer.from(raw), limits));
    expect(times).toEqual({ last: Date.UTC(2002, 7, 22, 13, 23, 38), earliest: Date.UTC(2002, 7, 1, 13, 20, 5) });
  });

  it('without a Received date the age rules are skipped, whatever today is', () => {
    const s = symbols(eml({ Received: undefined, Date: 'Mon, 1 Jan 1990 00:00:00 +0000' }));
    expect(s).not.toContain('HDR_DATE_PAST');
    expect(s).not.toContain('HDR_DATE_FUTURE');
  });
});

describe('addresses', () => {
  it('a display name showing another address', () => {
    expect(symbols(eml({ From: '"service@paypal.com" <billing@paypa1-secure.example>' }))).toContain('HDR_FROM_NAME_OTHER_ADDRESS');
    expect(symbols(eml({ From: '"alice@example.com" <Alice@example.com>' }))).not.toContain('HDR_FROM_NAME_OTHER_ADDRESS');
    // Google Groups / Mailman DMARC rewriting.
    expect(symbols(eml({ From: "\"'bob@example.net' via Friends\" <friends@googlegroups.com>" }))).not.toContain('HDR_FROM_NAME_OTHER_ADDRESS');
  });

  it('a brand as display name with an address elsewhere', () => {
    expect(symbols(eml({ From: 'PayPal Service <service@secure-login.example>' }))).toContain('HDR_FROM_NAME_BRAND');
    expect(claimedBrand('Bank of America Alerts', 'mail.example')).toBe('bankofamerica');
    expect(symbols(eml({ From: 'PayPal <service@paypal.co.uk>' }))).not.toContain('HDR_FROM_NAME_BRAND');
    expect(symbols(eml({ From: 'Facebook <notification@facebookmail.com>' }))).not.toContain('HDR_FROM_NAME_BRAND');
    expect(symbols(eml({ From: 'Wells Fargo <alerts@notify.wells-fargo.com>' }))).not.toContain('HDR_FROM_NAME_BRAND');
    // Words that contain a brand are not the brand.
    expect(symbols(eml({ From: 'Purchase Groups <orders@shop.example>' }))).not.toContain('HDR_FROM_NAME_BRAND');
  });

  it('Reply-To to another organisation, unless it is a recipient (a list) or From was rewritten via a list', () => {
    expect(symbols(eml({ 'Reply-To': 'claims.agent@freemail.example' }))).toContain('HDR_REPLYTO_OTHER_DOMAIN');
    expect(symbols(eml({ 'Reply-To': 'alice@mail.example.com' }))).not.toContain('HDR_REPLYTO_OTHER_DOMAIN');
    expect(symbols(eml({ 'Reply-To': 'users@lists.example.org', To: 'users@lists.example.org' }))).not.toContain('HDR_REPLYTO_OTHER_DOMAIN');
    expect(symbols(eml({ From: 'Alice via Users <users@lists.example.org>', 'Reply-To': 'alice@example.com' }))).not.toContain('HDR_REPLYTO_OTHER_DOMAIN');
  });

  it('undisclosed recipients', () => {
    expect(symbols(eml({ To: 'undisclosed-recipients:;' }))).toContain('HDR_UNDISCLOSED_RECIPIENTS');
    expect(symbols(eml({ To: 'Undisclosed recipients: ;' }))).toContain('HDR_UNDISCLOSED_RECIPIENTS');
    expect(symbols(eml({ To: 'team: alice@example.com, bob@example.org;' }))).not.toContain('HDR_UNDISCLOSED_RECIPIENTS');
  });

  it('From and To the same single address', () => {
    expect(symbols(eml({ To: 'ALICE@example.com' }))).toContain('HDR_FROM_IS_TO');
    expect(symbols(eml({ To: 'alice@example.com, bob@example.org' }))).not.toContain('HDR_FROM_IS_TO');
  });

  it('an answer in a thread names the message it answers', () => {
    expect(symbols(eml({ 'In-Reply-To': '<1234.5678@mail.example.org>' }))).toContain('HDR_IN_THREAD');
    expect(symbols(eml({ References: '<a@example.org> <b@example.org>' }))).toContain('HDR_IN_THREAD');
    expect(symbols(eml({ 'In-Reply-To': 'your message of Tuesday' }))).not.toContain('HDR_IN_THREAD');
    expect(symbols(eml())).not.toContain('HDR_IN_THREAD');
  });
});

describe('forged mailers', () => {
  const OE = 'Microsoft Outlook Express 6.00.2600.0000';
  it('Outlook without an Outlook Message-ID', () => {
    expect(symbols(eml({ 'X-Mailer': OE }))).toContain('HDR_FORGED_OUTLOOK');
    expect(symbols(eml({ 'X-Mailer': 'Microsoft Outlook, Build 10.0.2627' }))).toContain('HDR_FORGED_OUTLOOK');
    expect(symbols(eml({ 'X-Mailer': OE, 'Message-ID': '<000801c24a1f$c3f2e900$6401a8c0@pc17>' }))).not.toContain('HDR_FORGED_OUTLOOK');
    expect(symbols(eml({ 'X-Mailer': 'Microsoft Office Outlook 12.0', 'Message-ID': '<000001cab2f9$5e3a4f50$1aaeedf0$@example.com>' }))).not.toContain('HDR_FORGED_OUTLOOK');
    // Relayed by Exchange, which writes its own Message-ID.
    expect(symbols(eml({ 'X-Mailer': OE, 'Thread-Index': 'AcJKH8PyKQ==' }))).not.toContain('HDR_FORGED_OUTLOOK');
    expect(symbols(eml({ 'X-Mailer': 'Apple Mail (2.1085)' }))).not.toContain('HDR_FORGED_OUTLOOK');
  });

  it('Thunderbird, SeaMonkey or Netscape without a Message-ID they write', () => {
    const TB2 = 'Thunderbird 2.0.0.9 (Windows/20071031)';
    // Ratware's fixed User-Agent over a timestamp ID (development corpus, csdmc2010 spam).
    expect(symbols(eml({ 'User-Agent': TB2, 'Message-ID': '<20090406130119.1090107@example.com>' }))).toContain('HDR_FORGED_MOZILLA');
    expect(symbols(eml({ 'X-Mailer': 'Mozilla 4.75 [en] (Win98; U)', 'Message-ID': '<00007dc93dd5$000072da$000064b4@example.com>' }))).toContain('HDR_FORGED_MOZILLA');
    // The form, with the Date's Unix time (22 Aug 2002 13:20:01 UTC = 3D64E501) in hex.
    expect(symbols(eml({ 'User-Agent': TB2, 'Message-ID': '<3D64E501.5060708@example.com>' }))).not.toContain('HDR_FORGED_MOZILLA');
    expect(symbols(eml({ 'X-Mailer': 'Mozilla 4.75 [en] (Win98; U)', 'Message-ID': '<3D64E501.C4D5E6F7@example.com>' }))).not.toContain('HDR_FORGED_MOZILLA');
    // The form filled with random hex: a time in 2097.
    expect(symbols(eml({ 'User-Agent': TB2, 'Message-ID': '<EF9B4B50.00F0D874@example.com>' }))).toContain('HDR_FORGED_MOZILLA');
    const TB91 = 'Mozilla/5.0 (X11; Linux x86_64; rv:91.0) Gecko/20100101 Thunderbird/91.4.0';
    expect(symbols(eml({ 'User-Agent': TB91, 'Message-ID': '<6f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8@example.com>' }))).not.toContain('HDR_FORGED_MOZILLA');
    expect(symbols(eml({ 'User-Agent': TB91, 'Message-ID': '<20211201103000.4050607@example.com>' }))).toContain('HDR_FORGED_MOZILLA');
    // A news gateway (Gmane) or Exchange Online writes its own ID for what Thunderbird posted.
    expect(symbols(eml({ 'User-Agent': TB2, 'Message-ID': '<hplc2d$2nh$1@dough.gmane.org>', 'X-Complaints-To': 'usenet@dough.gmane.org' }))).not.toContain('HDR_FORGED_MOZILLA');
    expect(symbols(eml({ 'User-Agent': TB2, 'Message-ID': '<aivb4e$npr$1@main.gmane.org>', Newsgroups: 'gmane.mail.spam.razor.user' }))).not.toContain('HDR_FORGED_MOZILLA');
    expect(symbols(eml({ 'User-Agent': TB91, 'Message-ID': '<DB8PR09MB370832A1BDA187238CCD6A5D957B9@DB8PR09MB3708.eurprd09.prod.outlook.com>' }))).not.toContain('HDR_FORGED_MOZILLA');
    // Browsers are not mail clients: webmail may pass their User-Agent on.
    expect(symbols(eml({ 'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0', 'Message-ID': '<1234.5678@example.com>' }))).not.toContain('HDR_FORGED_MOZILLA');
    expect(symbols(eml({ 'User-Agent': 'WebService/1.1.15199 YMailNorrin Mozilla/5.0 (Windows NT 10.0) Gecko', 'Message-ID': '<151327143.2412159.1581586968416@example.com>' }))).not.toContain('HDR_FORGED_MOZILLA');
  });

  it('The Bat! without a Message-ID it writes', () => {
    const BAT = 'The Bat! (v1.61) Personal';
    // Its form with the Date's local time (22 Aug 2002 09:20:01 -0400).
    expect(symbols(eml({ 'X-Mailer': BAT, 'Message-ID': '<1566403296.20020822092001@example.com>' }))).not.toContain('HDR_FORGED_THEBAT');
    // Ratware's: no valid time (month 42), a time years away, an Outlook ID, an MTA's queue ID.
    expect(symbols(eml({ 'X-Mailer': BAT, 'Message-ID': '<137333490.20422852939024@example.com>' }))).toContain('HDR_FORGED_THEBAT');
    expect(symbols(eml({ 'X-Mailer': BAT, 'Message-ID': '<1566403296.19990822092001@example.com>' }))).toContain('HDR_FORGED_THEBAT');
    expect(symbols(eml({ 'X-Mailer': BAT, 'Message-ID': '<003a50e80cbd$5537c5b5$5ee52ad7@example.com>' }))).toContain('HDR_FORGED_THEBAT');
    expect(symbols(eml({ 'X-Mailer': BAT, 'Message-ID': '<200207221904.g6MJ4hp11049@mail.example.com>' }))).toContain('HDR_FORGED_THEBAT');
    expect(symbols(eml({ 'X-Mailer': BAT, 'Message-ID': '<hplc2d$2nh$1@dough.gmane.org>', 'X-Complaints-To': 'usenet@dough.gmane.org' }))).not.toContain('HDR_FORGED_THEBAT');
  });

  it('the AOL client sending from an account that is not AOL', () => {
    const AOL = 'AOL 7.0 for Windows US sub 118';
    expect(symbols(eml({ 'X-Mailer': AOL, From: 'Paul <prospect_111815@hotpop.com>' }))).toContain('HDR_FORGED_AOL');
    expect(symbols(eml({ 'X-Mailer': AOL, From: 'ThosStew@aol.com' }))).not.toContain('HDR_FORGED_AOL');
    expect(symbols(eml({ 'X-Mailer': 'AOL 5.0 for Mac sub 45', From: 'Jane <jane@cs.com>' }))).not.toContain('HDR_FORGED_AOL');
    expect(symbols(eml({ 'X-Mailer': 'AOL Webmail 31226-STA', From: 'jane@aol.co.uk' }))).not.toContain('HDR_FORGED_AOL');
    expect(symbols(eml({ 'X-Mailer': 'Apple Mail (2.1085)', From: 'jane@example.com' }))).not.toContain('HDR_FORGED_AOL');
  });

  it("Outlook's Message-ID or X-MSMail-Priority on mail that names no client", () => {
    const id = '<000801c24a1f$c3f2e900$6401a8c0@pc17>';
    expect(symbols(eml({ 'Message-ID': id }))).toContain('HDR_OUTLOOK_ID_NO_MAILER');
    expect(symbols(eml({ 'Message-ID': id, 'X-Mailer': 'Microsoft Outlook Express 6.00.2600.0000' }))).not.toContain('HDR_OUTLOOK_ID_NO_MAILER');
    expect(symbols(eml({ 'Message-ID': id, 'Thread-Index': 'AcJKH8PyKQ==' }))).not.toContain('HDR_OUTLOOK_ID_NO_MAILER');
    expect(symbols(eml({}))).not.toContain('HDR_OUTLOOK_ID_NO_MAILER');
    expect(symbols(eml({ 'X-MSMail-Priority': 'Normal' }))).toContain('HDR_MSMAIL_PRIORITY_NO_MAILER');
    expect(symbols(eml({ 'X-MSMail-Priority': 'Normal', 'X-MimeOLE': 'Produced By Microsoft MimeOLE V6.00.2600.0000' }))).not.toContain('HDR_MSMAIL_PRIORITY_NO_MAILER');
  });

  it("an Outlook Message-ID whose time is not the Date's", () => {
    const OE = 'Microsoft Outlook Express 6.00.2600.0000';
    // Written at the Date (22 Aug 2002 13:20:01 UTC): FILETIME 01c249de 9e779680.
    const written = '<000801c249de$9e779680$6401a8c0@pc17>';
    expect(symbols(eml({ 'X-Mailer': OE, 'Message-ID': written }))).not.toContain('HDR_OUTLOOK_ID_TIME');
    // Outlook 2007's form, with a trailing "$", and the same time.
    expect(symbols(eml({ 'X-Mailer': 'Microsoft Office Outlook 12.0', 'Message-ID': '<000001c249de$9e779680$1aaeedf0$@example.com>' }))).not.toContain('HDR_OUTLOOK_ID_TIME');
    // Random hex in the form, as ratware writes it.
    const made = '<0000157a3c2d$00004b1f$00007e6a@example.com>';
    expect(symbols(eml({ 'X-Mailer': OE, 'Message-ID': made }))).toContain('HDR_OUTLOOK_ID_TIME');
    expect(symbols(eml({ 'X-Mailer': OE, 'Message-ID': made, Date: undefined, Received: undefined }))).not.toContain('HDR_OUTLOOK_ID_TIME');
    // A Date set wrong by hand, but the first hop agrees with the ID's time.
    expect(symbols(eml({ 'X-Mailer': OE, 'Message-ID': written, Date: 'Sun, 25 Aug 2002 09:20:01 -0400' }))).not.toContain('HDR_OUTLOOK_ID_TIME');
  });

  it('Outlook Express with a boundary it never writes', () => {
    const id = '<000801c24a1f$c3f2e900$6401a8c0@pc17>';
    expect(symbols(eml({ 'X-Mailer': OE, 'Message-ID': id, 'Content-Type': 'multipart/alternative; boundary="b1_abc123"' }))).toContain('HDR_FORGED_OE_BOUNDARY');
    expect(symbols(eml({ 'X-Mailer': OE, 'Message-ID': id, 'Content-Type': 'multipart/alternative;\n\tboundary="----=_NextPart_000_0005_01C24A0E.4A1B2C30"' }))).not.toContain('HDR_FORGED_OE_BOUNDARY');
  });

  it('X-Priority 1 from no mail client', () => {
    expect(symbols(eml({ 'X-Priority': '1 (Highest)' }))).toContain('HDR_PRIORITY_NO_MAILER');
    expect(symbols(eml({ 'X-Priority': '1', 'User-Agent': 'Mutt/1.4i' }))).not.toContain('HDR_PRIORITY_NO_MAILER');
    expect(symbols(eml({ 'X-Priority': '3' }))).not.toContain('HDR_PRIORITY_NO_MAILER');
  });

  it('X-Mailer of a bulk-spam program, or only a number', () => {
    expect(symbols(eml({ 'X-Mailer': 'QuickSender 1.05' }))).toContain('HDR_MAILER_RATWARE');
    expect(symbols(eml({ 'X-Mailer': '4.71.1712.3' }))).toContain('HDR_MAILER_RATWARE');
    expect(symbols(eml({ 'X-Mailer': 'Claws Mail 3.7.6 (GTK+ 2.22.0; x86_64-pc-linux-gnu)' }))).not.toContain('HDR_MAILER_RATWARE');
    expect(symbols(eml({ 'X-Mailer': 'Sylpheed version 0.8.2' }))).not.toContain('HDR_MAILER_RATWARE');
  });

  it('8-bit body without MIME-Version', () => {
    expect(symbols(eml({ 'MIME-Version': undefined }, 'Grüße aus Köln\n'))).toContain('HDR_NO_MIME_VERSION_8BIT');
    expect(symbols(eml({}, 'Grüße aus Köln\n'))).not.toContain('HDR_NO_MIME_VERSION_8BIT');
    expect(symbols(eml({ 'MIME-Version': undefined }, 'plain ascii\n'))).not.toContain('HDR_NO_MIME_VERSION_8BIT');
  });
});

describe('subject', () => {
  it('all capitals, but not reply prefixes, tags or short acronyms', () => {
    expect(symbols(eml({ Subject: 'LOWEST MORTGAGE RATES IN YEARS' }))).toContain('HDR_SUBJECT_CAPS');
    expect(symbols(eml({ Subject: 'RE: [PATCH] FIX the build' }))).not.toContain('HDR_SUBJECT_CAPS');
    expect(symbols(eml({ Subject: 'RE: FYI ASAP' }))).not.toContain('HDR_SUBJECT_CAPS');
  });

  it('three exclamation marks', () => {
    expect(symbols(eml({ Subject: 'Act now! Only today!!' }))).toContain('HDR_SUBJECT_EXCLAIM');
    expect(symbols(eml({ Subject: 'Thanks! See you!' }))).not.toContain('HDR_SUBJECT_EXCLAIM');
  });

  it('money and prizes in several languages, as whole words', () => {
    for (const s of ['Get $500 cash today', 'Ihr Gewinn wartet', 'Você ganhou um prêmio', 'Vous avez gagné', '70% off watches']) {
      expect(symbols(eml({ Subject: s })), s).toContain('HDR_SUBJECT_MONEY');
    }
    for (const s of ['Cache invalidation bug', 'Casual Friday', 'Prizewinning paper review']) {
      expect(symbols(eml({ Subject: s })), s).not.toContain('HDR_SUBJECT_MONEY');
    }
  });

  it('a tag after a run of spaces, but not a folded continuation line', () => {
    expect(symbols(eml({ Subject: 'Do you need a second MORTGAGE?                    26828' }))).toContain('HDR_SUBJECT_TRAILING_TAG');
    expect(symbols(eml({ Subject: 'Repair your credit online!\t\t\t\tMNW' }))).toContain('HDR_SUBJECT_TRAILING_TAG');
    expect(symbols(eml({ Subject: 'Re: use of base image / delta image for automated recovery from\n        scratch' }))).not.toContain('HDR_SUBJECT_TRAILING_TAG');
    expect(symbols(eml({ Subject: 'Build 26828 passed' }))).not.toContain('HDR_SUBJECT_TRAILING_TAG');
  });

  it('a random token of mixed case and digits, not ticket numbers or hashes', () => {
    expect(symbols(eml({ Subject: 'good mtv wmE239PgyETfr9P4nvyEWKJCEkWH' }))).toContain('HDR_SUBJECT_RANDOM_TOKEN');
    expect(symbols(eml({ Subject: 'Websites - $399 (4156cumG9-855YQKc5@17)' }))).toContain('HDR_SUBJECT_RANDOM_TOKEN');
    expect(symbols(eml({ Subject: '[Bug 1030] commit 3f2a9c1e4b5d failed on TICKET-123456' }))).not.toContain('HDR_SUBJECT_RANDOM_TOKEN');
  });

  it('the ADV: label', () => {
    expect(symbols(eml({ Subject: 'ADV: Payment processing' }))).toContain('HDR_SUBJECT_ADV');
    expect(symbols(eml({ Subject: '< ADV > Exclusively for you' }))).toContain('HDR_SUBJECT_ADV');
    expect(symbols(eml({ Subject: 'Advice on payment processing' }))).not.toContain('HDR_SUBJECT_ADV');
  });

  it('charset of a script the body does not use', () => {
    const koi8 = '=?koi8-r?B?8NLJ18XU?='; // "Привет"
    expect(symbols(eml({ Subject: koi8 }, 'Buy cheap watches now\n'))).toContain('HDR_SUBJECT_CHARSET_SCRIPT');
    expect(symbols(eml({ Subject: koi8 }, 'Привет, как дела?\n'))).not.toContain('HDR_SUBJECT_CHARSET_SCRIPT');
    expect(symbols(eml({ Subject: '=?iso-8859-1?Q?Gr=FC=DFe?=' }, 'Hallo\n'))).not.toContain('HDR_SUBJECT_CHARSET_SCRIPT');
  });

  it('base64 for a plain ASCII subject', () => {
    expect(symbols(eml({ Subject: '=?utf-8?B?WW91ciBhY2NvdW50IGlzIG9uIGhvbGQ=?=' }))).toContain('HDR_SUBJECT_NEEDLESS_ENCODING');
    expect(symbols(eml({ Subject: '=?utf-8?B?R3LDvMOfZQ==?=' }))).not.toContain('HDR_SUBJECT_NEEDLESS_ENCODING'); // "Grüße"
    expect(symbols(eml({ Subject: '=?utf-8?Q?Meeting_notes?=' }))).not.toContain('HDR_SUBJECT_NEEDLESS_ENCODING');
  });

  it('raw 8-bit characters outside encoded words', () => {
    expect(symbols(eml({ Subject: 'Glückwunsch! Gewinndaten eintragen' }))).toContain('HDR_SUBJECT_RAW_8BIT');
    expect(symbols(eml({ Subject: '=?utf-8?Q?Gl=C3=BCckwunsch?=' }))).not.toContain('HDR_SUBJECT_RAW_8BIT');
  });
});

describe('hostile headers', () => {
  it('huge and pathological values return promptly', () => {
    const big = '!'.repeat(1 << 20);
    const raw = eml({
      Subject: `=?utf-8?B?${'A'.repeat(1 << 20)}?= ${big}`,
      From: `${'"a@b.c '.repeat(50_000)}<${'x'.repeat(100_000)}`,
      To: 'undisclosed-recipients' + ' '.repeat(100_000) + 'x',
      Date: `Thu, 22 Aug 2002 ${' '.repeat(200_000)}09:20:01 -0400`,
      'Message-ID': `<${'@'.repeat(500_000)}>`,
      'X-Mailer': `Microsoft Outlook Express 6 ${'$'.repeat(100_000)}`,
      'Reply-To': `${'a'.repeat(300_000)}@${'b.'.repeat(100_000)}`,
    }, 'x'.repeat(1 << 20));
    const started = performance.now();
    const s = symbols(raw);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(s).toContain('HDR_DATE_MALFORMED');
    expect(s).toContain('HDR_MESSAGE_ID_MALFORMED');
  });
});
