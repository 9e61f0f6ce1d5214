import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Action, Flag, FrameDecoder, type MilterCommand } from '../../protocol/index.js';
import { decodeAnswer, type MilterAnswer } from '../../protocol/testing/mta.js';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { parseConfig } from '../../src/config/load.js';
import { SessionError } from '../../src/server/errors.js';
import { Session } from '../../src/server/session.js';
import { wantsFor } from '../../src/server/wants.js';
import { testServices, testEngine, testPipeline } from '../support/services.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const ALL_ACTIONS = 0x1ff;
const ALL_FLAGS = 0x1fffff;

function makeSession(configRaw: object = {}, extraChecks: Check[] = []) {
  const config = parseConfig(configRaw);
  const engine = extraChecks.length === 0 ? testEngine(config) : new Engine([...testEngine(config).checks, ...extraChecks], { services: testServices(), scores: {}, checkTimeoutMs: 1000 });
  const sent: MilterAnswer[] = [];
  const decoder = new FrameDecoder();
  const settings = {
    pipeline: { ...testPipeline(config), engine },
    wants: wantsFor(engine, config.policies.length > 0),
    progressIntervalMs: 5000,
  };
  const session = new Session({
    settings: () => settings,
    log: pino({ level: 'silent' }),
    send: (f) => {
      for (const frame of decoder.push(f)) sent.push(decodeAnswer(frame));
    },
  });
  /** Runs commands, returns what the session answered to them. */
  const run = async (...cmds: MilterCommand[]) => {
    const start = sent.length;
    for (const c of cmds) await session.handle(c);
    return sent.slice(start);
  };
  return { session, run, sent };
}

const optneg = (version = 6, actions = ALL_ACTIONS, protocol = ALL_FLAGS): MilterCommand => ({ kind: 'optneg', version, actions, protocol });
const connect: MilterCommand = { kind: 'connect', hostname: 'mail.example', family: 'inet', port: 40000, address: '192.0.2.1' };
const helo: MilterCommand = { kind: 'helo', name: 'mail.example' };
const mail: MilterCommand = { kind: 'mail', address: '<a@example.org>', args: ['SIZE=10'] };
const rcpt: MilterCommand = { kind: 'rcpt', address: '<b@example.net>', args: [] };
const header = (name: string, value: string): MilterCommand => ({ kind: 'header', name, value });
const body = (s: string): MilterCommand => ({ kind: 'body', chunk: Buffer.from(s) });
const eom: MilterCommand = { kind: 'eom', chunk: Buffer.alloc(0) };
/**
 * The header fields every well-formed message has, so the built-in content rules have nothing
 * to say and the tests see only the symbols of the behaviour they test. `lead` is the space
 * after the colon, which the MTA sends only under SMFIP_HDR_LEADSPC (version 6 here).
 */
const wellFormed = (lead = ' '): MilterCommand[] => [
  header('From', `${lead}Alice <a@example.org>`),
  header('To', `${lead}Bob <b@example.net>`),
  header('Date', `${lead}Thu, 1 Jan 2026 12:00:00 +0000`),
  header('Message-ID', `${lead}<1@example.org>`),
];
const message = (text: string, extraHeaders: MilterCommand[] = []): MilterCommand[] => [
  mail,
  rcpt,
  { kind: 'data' },
  ...wellFormed(),
  header('Subject', ' hello'),
  ...extraHeaders,
  { kind: 'eoh' },
  body(text),
  eom,
];

describe('Session negotiation', () => {
  it('answers version 6 with no-reply flags for every stage but body, and SKIP and LEADSPC', async () => {
    const { run, session } = makeSession();
    const [answer] = await run(optneg());
    expect(answer).toMatchObject({ kind: 'optneg', version: 6 });
    const p = session.negotiated!.protocol;
    for (const f of [Flag.NR_CONN, Flag.NR_HELO, Flag.NR_MAIL, Flag.NR_RCPT, Flag.NR_DATA, Flag.NR_HDR, Flag.NR_EOH]) {
      expect(p & f).toBe(f);
    }
    expect(p & Flag.NR_BODY).toBe(0);
    expect(p & Flag.SKIP).toBe(Flag.SKIP);
    expect(p & Flag.HDR_LEADSPC).toBe(Flag.HDR_LEADSPC);
    expect(session.negotiated!.actions & (Action.ADDHDRS | Action.CHGHDRS)).toBe(Action.ADDHDRS | Action.CHGHDRS);
  });

  it('serves a version 2 MTA: answers version 2 and replies at every stage', async () => {
    const { run, session } = makeSession();
    const [answer] = await run(optneg(2, 0x3f, 0x7f));
    expect(answer).toMatchObject({ kind: 'optneg', version: 2 });
    expect(session.negotiated!.protocol & ~0x7f).toBe(0);
    const headers = [...wellFormed(''), header('Subject', 'x')];
    const replies = await run(connect, helo, mail, rcpt, ...headers, { kind: 'eoh' }, body('hi\r\n'));
    expect(replies.map((r) => r.kind)).toEqual(Array(6 + headers.length).fill('continue'));
    const end = await run(eom);
    expect(end.at(-1)!.kind).toBe('continue');
    expect(end.filter((r) => r.kind === 'addheader').map((r) => (r as { name: string }).name)).toEqual(['X-Spam-Status', 'X-Spam-Result']);
  });

  it('says clearly when the MTA does not grant adding headers, and still answers', async () => {
    const { run } = makeSession();
    await run(optneg(6, 0, ALL_FLAGS), connect, helo);
    const end = await run(...message('hello\r\n'));
    expect(end.map((r) => r.kind)).toEqual(['continue', 'continue']);
  });

  it('refuses a protocol version below 2', () => {
    const { session } = makeSession();
    expect(() => session.handle(optneg(1))).toThrow(SessionError);
  });
});

describe('Session stages', () => {
  it('with NR flags sends nothing before body, then verdict headers and continue at end of message', async () => {
    const { run } = makeSession();
    await run(optneg());
    expect(await run(connect, helo, mail, rcpt, { kind: 'data' }, ...wellFormed(), { kind: 'eoh' })).toEqual([]);
    expect(await run(body('hello\r\n'))).toEqual([{ kind: 'continue' }]);
    const end = await run(eom);
    expect(end).toEqual([
      { kind: 'addheader', name: 'X-Spam-Status', value: ' No, score=0.0 required=5.0' },
      { kind: 'addheader', name: 'X-Spam-Result', value: ' none' },
      { kind: 'continue' },
    ]);
  });

  it('marks GTUBE as spam', async () => {
    const { run } = makeSession();
    await run(optneg(), connect, helo);
    const end = await run(...message(`x\r\n${GTUBE}\r\n`));
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' Yes, score=1000.0 required=5.0' });
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Spam-Result', value: ' GTUBE (1000.0)' });
  });

  it('rejects GTUBE with the configured reply when a reject threshold is set', async () => {
    const { run } = makeSession({ thresholds: { reject: 20 }, replies: { reject: '554 5.7.1 No spam, 100% sure' } });
    await run(optneg(), connect, helo);
    const end = await run(...message(GTUBE));
    expect(end).toEqual([{ kind: 'continue' }, { kind: 'replycode', text: '554 5.7.1 No spam, 100%% sure' }]);
  });

  it('removes forged verdict headers by index in reverse order before adding its own', async () => {
    const { run } = makeSession();
    await run(optneg(), connect, helo);
    const end = await run(
      ...message('hi', [header('X-Spam-Status', ' Yes'), header('x-spam-status', ' No, score=-100'), header('X-Spam-Result', ' none')]),
    );
    expect(end.filter((r) => r.kind === 'chgheader')).toEqual([
      { kind: 'chgheader', index: 2, name: 'X-Spam-Status', value: '' },
      { kind: 'chgheader', index: 1, name: 'X-Spam-Status', value: '' },
      { kind: 'chgheader', index: 1, name: 'X-Spam-Result', value: '' },
    ]);
    const kinds = end.map((r) => r.kind);
    expect(kinds.lastIndexOf('chgheader')).toBeLessThan(kinds.indexOf('addheader'));
  });

  it('skips the rest of the body once the scan limit is reached and says the message was not fully scanned', async () => {
    const { run } = makeSession({ limits: { max_scan_bytes: 1024 } });
    await run(optneg(), connect, helo, mail, rcpt, ...wellFormed(), { kind: 'eoh' });
    expect(await run(body('a'.repeat(600)))).toEqual([{ kind: 'continue' }]);
    expect(await run(body('b'.repeat(600)))).toEqual([{ kind: 'skip' }]);
    const end = await run(eom);
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Spam-Result', value: ' NOT_FULLY_SCANNED (0.0)' });
  });

  it('handles several messages per connection with ABORT between them (as Postfix does)', async () => {
    const { run } = makeSession();
    await run(optneg(), connect, helo);
    const first = await run(...message(GTUBE), { kind: 'abort' });
    const second = await run(...message('clean'), { kind: 'abort' });
    expect(first).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' Yes, score=1000.0 required=5.0' });
    expect(second).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' No, score=0.0 required=5.0' });
  });

  it('treats MAIL after end of message as an implicit ABORT', async () => {
    const { run, session } = makeSession();
    await run(optneg(), connect, helo, ...message(GTUBE));
    expect(session.state).toBe('done');
    const second = await run(...message('clean'));
    expect(second).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' No, score=0.0 required=5.0' });
  });

  it('ABORT mid-message returns to after HELO and forgets the message and its macros', async () => {
    const { run, session } = makeSession();
    await run(optneg(), connect, helo, { kind: 'macro', stage: 'M', macros: { i: 'QID1' } }, mail, rcpt);
    expect(session.macro('i')).toBe('QID1');
    await run({ kind: 'abort' });
    expect(session.state).toBe('ready');
    expect(session.macro('i')).toBeUndefined();
    expect(() => session.handle(rcpt)).toThrow(SessionError);
  });

  it('QUIT_NC starts a fresh connection context on the same session', async () => {
    const { run, session } = makeSession();
    await run(optneg(), { kind: 'macro', stage: 'C', macros: { j: 'mx.example' } }, connect, helo, ...message('x'), { kind: 'quit_nc' });
    expect(session.state).toBe('connect');
    expect(session.macro('j')).toBeUndefined();
    expect(() => session.handle(helo)).toThrow(SessionError);
    await run(connect, helo);
    const again = await run(...message(GTUBE));
    expect(again).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' Yes, score=1000.0 required=5.0' });
  });

  it('keeps macros per stage, latest stage first, and accepts a MACRO with no pairs', async () => {
    const { run, session } = makeSession();
    await run(
      optneg(),
      { kind: 'macro', stage: 'C', macros: { j: 'mx.example', '{daemon_name}': 'smtpd' } },
      connect,
      { kind: 'macro', stage: 'H', macros: {} },
      helo,
      { kind: 'macro', stage: 'M', macros: { i: 'ABC123' } },
      mail,
    );
    expect(session.macro('j')).toBe('mx.example');
    expect(session.macro('daemon_name')).toBe('smtpd');
    expect(session.macro('{i}')).toBe('ABC123');
  });

  it('QUIT closes the session', async () => {
    const { run, session } = makeSession();
    await run(optneg(), connect, { kind: 'quit' });
    expect(session.state).toBe('closed');
  });
});

describe('Session errors: commands out of order', () => {
  const cases: [string, MilterCommand[], MilterCommand][] = [
    ['CONNECT before OPTNEG', [], connect],
    ['MACRO before OPTNEG', [], { kind: 'macro', stage: 'C', macros: {} }],
    ['HELO before CONNECT', [optneg()], helo],
    ['a second CONNECT', [optneg(), connect], connect],
    ['RCPT before MAIL', [optneg(), connect, helo], rcpt],
    ['BODY before EOH', [optneg(), connect, helo, mail, rcpt], body('x')],
    ['end of message before MAIL', [optneg(), connect, helo], eom],
    ['HEADER after EOH', [optneg(), connect, helo, mail, rcpt, { kind: 'eoh' }], header('A', 'b')],
    ['OPTNEG twice mid-connection', [optneg(), connect], optneg()],
  ];
  for (const [name, before, cmd] of cases) {
    it(`refuses ${name}`, async () => {
      const { run, session } = makeSession();
      await run(...before);
      expect(() => session.handle(cmd)).toThrow(SessionError);
    });
  }
});

describe('Session early answers (hard blocks)', () => {
  const ipBlock: Check = {
    name: 'ip-block',
    stage: 'connect',
    symbols: { IP_BLOCKED: { score: 100, description: 'client IP blocked' } },
    run: ({ message }) => (message.client?.address === '192.0.2.66' ? [{ symbol: 'IP_BLOCKED', block: '554 5.7.1 Client blocked' }] : []),
  };
  const rcptBlock: Check = {
    name: 'rcpt-block',
    stage: 'rcpt',
    symbols: { RCPT_BLOCKED: { score: 0, description: 'recipient refuses mail' }, RCPT_SEEN: { score: 0.5, description: 'seen' } },
    run: ({ message }) => {
      const last = message.recipients.at(-1)!;
      return last.address === 'closed@example.net' ? [{ symbol: 'RCPT_BLOCKED', block: '550 5.1.1 Mailbox closed' }] : [{ symbol: 'RCPT_SEEN' }];
    },
  };

  it('answers a blocked client at connect with the reply of the block, and lets others through', async () => {
    const { run, session } = makeSession({}, [ipBlock]);
    await run(optneg());
    expect(session.negotiated!.protocol & Flag.NR_CONN).toBe(0);
    expect(await run({ ...connect, address: '192.0.2.66' } as MilterCommand)).toEqual([{ kind: 'replycode', text: '554 5.7.1 Client blocked' }]);
    const other = makeSession({}, [ipBlock]);
    await other.run(optneg());
    expect(await other.run(connect)).toEqual([{ kind: 'continue' }]);
  });

  it('refuses one recipient at RCPT and keeps the others; only accepted recipients count', async () => {
    const { run } = makeSession({}, [rcptBlock]);
    await run(optneg(), connect, helo, mail);
    expect(await run(rcpt)).toEqual([{ kind: 'continue' }]);
    expect(await run({ kind: 'rcpt', address: '<closed@example.net>', args: [] })).toEqual([{ kind: 'replycode', text: '550 5.1.1 Mailbox closed' }]);
    const end = await run(...wellFormed(), { kind: 'eoh' }, body('hello'), eom);
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Spam-Result', value: ' RCPT_SEEN (0.5)' });
  });
});

describe('Session actions at end of message', () => {
  it('quarantine: verdict headers, QUARANTINE with the reason, then continue', async () => {
    const { run } = makeSession({ thresholds: { quarantine: 100 } });
    await run(optneg(), connect, helo);
    const end = await run(...message(GTUBE));
    expect(end.at(-2)).toEqual({ kind: 'quarantine', name: 'Thresher: spam score 1000.0', value: '' });
    expect(end.at(-1)).toEqual({ kind: 'continue' });
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Spam-Flag', value: ' YES' });
  });

  it('discard and tempfail answer without touching the message', async () => {
    const d = makeSession({ thresholds: { discard: 100 } });
    await d.run(optneg(), connect, helo);
    expect((await d.run(...message(GTUBE))).slice(1)).toEqual([{ kind: 'discard' }]);
    const t = makeSession({ thresholds: { tempfail: 100 } });
    await t.run(optneg(), connect, helo);
    expect((await t.run(...message(GTUBE))).slice(1)).toEqual([{ kind: 'replycode', text: '451 4.7.1 Message deferred, try again later' }]);
  });

  it('prefixes the subject of spam once and renames forged headers when configured', async () => {
    const { run } = makeSession({ headers: { subject_prefix: '***SPAM*** ', forged: 'rename' } });
    await run(optneg(), connect, helo);
    const end = await run(...message(GTUBE, [header('X-Spam-Flag', ' NO')]));
    expect(end).toContainEqual({ kind: 'chgheader', index: 1, name: 'Subject', value: ' ***SPAM*** hello' });
    expect(end).toContainEqual({ kind: 'chgheader', index: 1, name: 'X-Spam-Flag', value: '' });
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Forged-X-Spam-Flag', value: ' NO' });
  });

  it('headers can be renamed or turned off', async () => {
    const { run } = makeSession({ headers: { result: { add: false }, status: { name: 'X-Thresher-Status' }, level: { add: false }, flag: { add: false } } });
    await run(optneg(), connect, helo);
    const end = await run(...message(GTUBE));
    expect(end.filter((r) => r.kind === 'addheader')).toEqual([{ kind: 'addheader', name: 'X-Thresher-Status', value: ' Yes, score=1000.0 required=5.0' }]);
  });
});

describe('Session recipient policies', () => {
  const policies = [
    { name: 'finance', match: { recipients: ['@finance.example'] }, thresholds: { spam: 3 }, spam_action: 'quarantine' },
    { name: 'strict', match: { recipients: ['ceo@example.net'] }, spam_action: 'fail' },
    { name: 'lover', match: { recipients: ['spamlover@example.net'] }, spam_lover: true },
    { name: 'outgoing', match: { authenticated: true }, bypass_spam_checks: true },
  ];
  const to = (a: string): MilterCommand => ({ kind: 'rcpt', address: `<${a}>`, args: [] });
  const rest = (text: string): MilterCommand[] => [{ kind: 'data' }, ...wellFormed(), header('Subject', ' hi'), { kind: 'eoh' }, body(text), eom];

  it('answers recipients one by one and defers a recipient of another policy with 452 4.5.3', async () => {
    const { run, session } = makeSession({ policies });
    await run(optneg(), connect, helo, mail);
    expect(session.negotiated!.protocol & Flag.NR_RCPT).toBe(0);
    expect(await run(to('a@finance.example'))).toEqual([{ kind: 'continue' }]);
    expect(await run(to('b@finance.example'))).toEqual([{ kind: 'continue' }]);
    const deferred = await run(to('ceo@example.net'));
    expect(deferred).toEqual([{ kind: 'replycode', text: '452 4.5.3 Recipient filtered by a different policy, send it in a separate transaction' }]);
  });

  it('recipients that match no policy share the default and are never split', async () => {
    const { run } = makeSession({ policies });
    await run(optneg(), connect, helo, mail);
    expect(await run(to('x@example.org'), to('y@example.com'))).toEqual([{ kind: 'continue' }, { kind: 'continue' }]);
  });

  it('applies the policy of the message: its thresholds and spam_action quarantine', async () => {
    const { run } = makeSession({ policies, scores: {} }, [
      { name: 'four', stage: 'eom', symbols: { FOUR: { score: 4, description: '4' } }, run: () => [{ symbol: 'FOUR' }] },
    ]);
    await run(optneg(), connect, helo, mail, to('a@finance.example'));
    const end = await run(...rest('hello'));
    expect(end.at(-2)).toEqual({ kind: 'quarantine', name: 'Thresher: spam score 4.0', value: '' });
    const other = makeSession({ policies }, [
      { name: 'four', stage: 'eom', symbols: { FOUR: { score: 4, description: '4' } }, run: () => [{ symbol: 'FOUR' }] },
    ]);
    await other.run(optneg(), connect, helo, mail, to('x@example.org'));
    expect(await other.run(...rest('hello'))).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' No, score=4.0 required=5.0' });
  });

  it('spam_action fail refuses; a spam lover is only marked even above reject', async () => {
    const strict = makeSession({ policies });
    await strict.run(optneg(), connect, helo, mail, to('ceo@example.net'));
    expect((await strict.run(...rest(GTUBE))).at(-1)).toEqual({ kind: 'replycode', text: '550 5.7.1 Message rejected as spam' });
    const lover = makeSession({ policies, thresholds: { reject: 20 } });
    await lover.run(optneg(), connect, helo, mail, to('spamlover@example.net'));
    const end = await lover.run(...rest(GTUBE));
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' Yes, score=1000.0 required=5.0' });
    expect(end.at(-1)).toEqual({ kind: 'continue' });
  });

  it('bypasses content checks for authenticated senders', async () => {
    const { run } = makeSession({ policies });
    await run(optneg(), connect, helo, { kind: 'macro', stage: 'M', macros: { '{auth_authen}': 'alice' } }, mail, to('x@example.org'));
    const end = await run(...rest(GTUBE));
    expect(end).toContainEqual({ kind: 'addheader', name: 'X-Spam-Status', value: ' No, score=0.0 required=5.0' });
  });
});
