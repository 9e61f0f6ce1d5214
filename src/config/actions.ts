import { z } from 'zod';

// Scores → actions, the SMTP replies they use, and the headers Thresher writes.

const threshold = (what: string) => z.number().nullable().default(null).describe(what);

export const thresholdsSchema = z
  .strictObject({
    tag: threshold('Score at or above which verdict headers are added; null: always.'),
    spam: z.number().default(5).describe('Score at or above which the message is spam: X-Spam-Status says Yes, X-Spam-Flag and the subject prefix are added.'),
    quarantine: threshold('Score at or above which the message is put on hold (Postfix hold queue); null: never.'),
    tempfail: threshold('Score at or above which the message is deferred with replies.tempfail; null: never.'),
    reject: threshold('Score at or above which the message is refused with replies.reject; null: never.'),
    discard: threshold('Score at or above which the message is accepted and silently dropped; null: never.'),
    greylist: threshold('Score at or above which a message is greylisted at end of message when greylisting.mode is score; null: never.'),
  })
  .prefault({});

const smtpReply = (cls: '4' | '5', def: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^${cls}\\d\\d( ${cls}\\.\\d{1,3}\\.\\d{1,3})? \\S.*$`), {
      message: `expected a ${cls}xx SMTP reply such as "${def}"`,
    })
    .default(def)
    .describe(what);

export const repliesSchema = z
  .strictObject({
    reject: smtpReply('5', '550 5.7.1 Message rejected as spam', 'SMTP reply when the reject threshold is reached.'),
    tempfail: smtpReply('4', '451 4.7.1 Message deferred, try again later', 'SMTP reply when the tempfail threshold is reached.'),
    check_failed: smtpReply('4', '451 4.7.1 Message could not be checked now, try again later', 'SMTP reply when a check whose failure policy is tempfail failed or ran out of time: the MTA retries later, no mail passes unchecked.'),
    quarantine: z.string().min(1).max(200).default('Thresher: spam score {score}')
      .describe('Quarantine reason shown in the MTA hold queue; {score} is replaced.'),
  })
  .prefault({});

const header = (name: string, add: boolean, what: string) =>
  z
    .strictObject({
      add: z.boolean().default(add),
      name: z.string().regex(/^[\x21-\x39\x3b-\x7e]+$/, { message: 'expected a header field name' }).default(name),
    })
    .prefault({})
    .describe(what);

export const headersSchema = z
  .strictObject({
    status: header('X-Spam-Status', true, '"Yes|No, score=S required=R".'),
    result: header('X-Spam-Result', true, 'Every symbol with its score, highest first.'),
    flag: header('X-Spam-Flag', true, '"YES" on spam only.'),
    level: header('X-Spam-Level', true, 'One * per whole point of score (up to 50), when the score is at least 1.'),
    report: header('X-Spam-Report', false, 'One line per symbol with its score and description.'),
    forged: z.enum(['remove', 'rename']).default('remove')
      .describe('What to do with incoming headers of these names: remove them, or rename them with forged_prefix.'),
    forged_prefix: z.string().regex(/^[\x21-\x39\x3b-\x7e]+$/).default('X-Forged-')
      .describe('Prefix of renamed incoming verdict headers.'),
    subject_prefix: z.string().max(100).nullable().default(null)
      .describe('Prefix added to the Subject of spam, e.g. "***SPAM*** "; null: leave the subject alone.'),
  })
  .prefault({});
