import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { compileMatcher, compileMatcherSet, rulePattern, type MatchSpec } from '../../src/checks/rules/matcher.js';
import { parseConfig } from '../../src/config/load.js';
import { emptyResult } from '../../src/engine/result.js';
import { messageFromRaw } from '../../src/message/parse.js';
import { testEngine } from '../support/services.js';

const log = pino({ level: 'silent' });
const limits = { maxScanBytes: 4 << 20, maxHeaders: 1000 };

/**
 * The admin rules' symbols (name → score) the configured engine finds in a message; the
 * built-in content rules also judge these small test messages, but are not under test here.
 */
async function symbols(rules: unknown, eml: string, extra: Record<string, unknown> = {}): Promise<Record<string, number>> {
  const engine = testEngine(parseConfig({ rules, ...extra }));
  const ruleSymbols = new Set(engine.checks.filter((c) => c.name.endsWith('-rules')).flatMap((c) => Object.keys(c.symbols)));
  const message = messageFromRaw(Buffer.from(eml.replace(/\r?\n/g, '\r\n')), limits);
  const result = emptyResult();
  await engine.run('eom', message, result, log);
  expect(result.failures).toEqual([]);
  return Object.fromEntries(result.symbols.filter((s) => ruleSymbols.has(s.name)).map((s) => [s.name, s.score]));
}

const spec = (match: MatchSpec['match'], value: string, case_sensitive = false): MatchSpec => ({ match, value, case_sensitive });

describe('matcher', () => {
  it('contains: a literal anywhere, metacharacters literal', () => {
    const m = compileMatcher(spec('contains', 'a.b (c)*'));
    expect(m('xx A.B (C)* yy')).toBe(true);
    expect(m('axb (c)')).toBe(false);
  });

  it('wildcard: the whole text, * any run (newlines too), ? one character, \\ escapes', () => {
    const m = compileMatcher(spec('wildcard', '*@*.example.?rg'));
    expect(m('alice@mail.example.org')).toBe(true);
    expect(m('alice@mail.example.org.evil')).toBe(false);
    expect(compileMatcher(spec('wildcard', 'a*z'))('a\nlong\nline z')).toBe(true);
    expect(compileMatcher(spec('wildcard', 'why\\?'))('why?')).toBe(true);
    expect(compileMatcher(spec('wildcard', 'why\\?'))('whyx')).toBe(false);
    expect(compileMatcher(spec('wildcard', '?'))('é')).toBe(true);
    expect(compileMatcher(spec('wildcard', '?'))('😀')).toBe(true); // one code point, two UTF-16 units
  });

  it('regex: RE2 syntax, searched anywhere unless anchored; a leading (?i) covers every alternative', () => {
    expect(compileMatcher(spec('regex', 'cheap|free\\s+meds'))('FREE   MEDS')).toBe(true);
    expect(compileMatcher(spec('regex', '^re:'))('Fwd: re: x')).toBe(false);
    expect(rulePattern(spec('regex', 'a|b'))).toBe('(?i)a|b');
  });

  it('case: folded by default (Unicode), exact with case_sensitive', () => {
    expect(compileMatcher(spec('contains', 'straße'))('STRAẞE')).toBe(true);
    expect(compileMatcher(spec('contains', 'straße'))('STRASSE')).toBe(false); // simple folding, one character for one
    expect(compileMatcher(spec('contains', 'Viagra', true))('viagra')).toBe(false);
    expect(compileMatcher(spec('contains', 'Viagra', true))('Viagra')).toBe(true);
    expect(compileMatcher(spec('wildcard', 'HELLO*', true))('hello x')).toBe(false);
    expect(compileMatcher(spec('regex', 'hello', true))('HELLO')).toBe(false);
  });

  it('a set reports every matching rule in one pass, in rule order', () => {
    const set = compileMatcherSet([spec('contains', 'won'), spec('regex', '\\d{4}'), spec('wildcard', 'x*'), spec('contains', 'lottery')]);
    expect(set('You WON 100 in the lottery')).toEqual([0, 3]);
    expect(set('x: 2025')).toEqual([1, 2]);
    expect(set('nothing here')).toEqual([]);
    expect(compileMatcherSet([])('anything')).toEqual([]);
  });

  it('a catastrophic pattern returns at once: RE2 does not backtrack', () => {
    const text = `${'a'.repeat(30)}!`;
    expect(compileMatcher(spec('regex', '(a+)+$'))(text)).toBe(false);
    expect(compileMatcherSet([spec('regex', '(a+)+$'), spec('regex', '(a|aa)+b')])(text.repeat(1000))).toEqual([]);
  });
});

describe('header rules', () => {
  const eml = 'From: Alice <alice@example.org>\nSubject: =?utf-8?B?Q2hlYXAgVklBR1JBIG5vdw==?=\nX-Mailer: Bulk\n  Mailer 9\nReceived: from a\nReceived: from spamhost.example\n\nbody';
  const rule = (name: string, header: string, match: string, value: string, more = {}) => ({ name, header, match, value, score: 1.5, ...more });

  it('every match type, on the decoded and unfolded value, any field of the name', async () => {
    expect(await symbols({
      header: [
        rule('SUBJ_CONTAINS', 'subject', 'contains', 'viagra'),
        rule('FROM_WILDCARD', 'FROM', 'wildcard', '*@example.org>'),
        rule('MAILER_REGEX', 'X-Mailer', 'regex', '^bulk\\s+mailer \\d+$'),
        rule('RCVD_SPAMHOST', 'Received', 'contains', 'spamhost'),
        rule('SUBJ_NOMATCH', 'Subject', 'contains', 'lottery'),
      ],
    }, eml)).toEqual({ SUBJ_CONTAINS: 1.5, FROM_WILDCARD: 1.5, MAILER_REGEX: 1.5, RCVD_SPAMHOST: 1.5 });
  });

  it('case_sensitive, and a missing header never matches (wildcard * means: present)', async () => {
    expect(await symbols({
      header: [
        rule('SUBJ_EXACT', 'Subject', 'contains', 'viagra', { case_sensitive: true }),
        rule('SUBJ_EXACT_UP', 'Subject', 'contains', 'VIAGRA', { case_sensitive: true }),
        rule('HAS_MAILER', 'X-Mailer', 'wildcard', '*'),
        rule('HAS_LIST_ID', 'List-Id', 'wildcard', '*'),
        rule('NO_MSGID', 'Message-Id', 'regex', '^$'),
      ],
    }, eml)).toEqual({ SUBJ_EXACT_UP: 1.5, HAS_MAILER: 1.5 });
  });
});

describe('body rules', () => {
  const b64 = Buffer.from('Congratulations!\nYou have\nwon the LOTTERY.').toString('base64');
  const qpHtml = '<html><body><p>Click <a href="http://x.example/">here</a> to claim your pr=\n<b>ize</b>=E2=80=A6</p></body></html>';
  const eml = [
    'Subject: hi', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary=zz', '', '--zz',
    'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64, '--zz',
    'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qpHtml, '--zz--', '',
  ].join('\n');
  const rule = (name: string, match: string, value: string, more = {}) => ({ name, match, value, score: 2, ...more });

  it('every match type on the decoded text: base64, quoted-printable, HTML without tags', async () => {
    expect(await symbols({
      body: [
        rule('BODY_WON', 'contains', 'you have won'), // line break in the base64 text collapsed
        rule('BODY_PRIZE', 'regex', 'claim\\s+your\\s+prize…'), // QP soft break and tags inside the word
        rule('BODY_ALL', 'wildcard', 'congratulations!*lottery*'),
        rule('BODY_TAG', 'contains', '<b>'), // tags are gone from the text
        rule('BODY_B64', 'contains', b64.slice(0, 12)), // the base64 is decoded, not matched as is
      ],
    }, eml)).toEqual({ BODY_WON: 2, BODY_PRIZE: 2, BODY_ALL: 2 });
  });

  it('part: raw sees the body as received; case_sensitive applies', async () => {
    expect(await symbols({
      body: [
        rule('RAW_TAG', 'contains', '<b>ize</b>', { part: 'raw' }),
        rule('RAW_B64', 'contains', b64.slice(0, 12), { part: 'raw', case_sensitive: true }),
        rule('RAW_B64_LOWER', 'contains', b64.slice(0, 12).toLowerCase(), { part: 'raw', case_sensitive: true }),
        rule('TEXT_LOTTERY', 'contains', 'LOTTERY', { case_sensitive: true }),
        rule('TEXT_LOTTERY_LOWER', 'contains', 'lottery', { case_sensitive: true }),
      ],
    }, eml)).toEqual({ RAW_TAG: 2, RAW_B64: 2, TEXT_LOTTERY: 2 });
  });

  it('a catastrophic pattern against a crafted body returns', async () => {
    const found = await symbols({ body: [rule('BODY_REDOS', 'regex', '(a+)+$')] }, `Subject: x\n\n${'a'.repeat(30)}!\n`);
    expect(found).toEqual({});
  });

  it('reads only the first body_scan_chars of the text and raw_scan_chars of the raw body', async () => {
    const filler = 'lorem ipsum '.repeat(1000); // 12,000 characters
    const eml = `Subject: x\n\nearly words ${filler} late words\n`;
    const rules = {
      body: [rule('EARLY', 'contains', 'early words'), rule('LATE', 'contains', 'late words'),
        rule('RAW_EARLY', 'contains', 'early words', { part: 'raw' }), rule('RAW_LATE', 'contains', 'late words', { part: 'raw' })],
    };
    expect(await symbols(rules, eml)).toEqual({ EARLY: 2, LATE: 2, RAW_EARLY: 2, RAW_LATE: 2 });
    expect(await symbols({ ...rules, body_scan_chars: 5000 }, eml)).toEqual({ EARLY: 2, RAW_EARLY: 2, RAW_LATE: 2 });
    expect(await symbols({ ...rules, raw_scan_chars: 5000 }, eml)).toEqual({ EARLY: 2, LATE: 2, RAW_EARLY: 2 });
  });

  it('broken MIME does not fail the check: the raw body is matched', async () => {
    const broken = 'Content-Type: multipart/mixed; boundary=""\n\nyou have won';
    expect(await symbols({ body: [rule('BODY_WON', 'contains', 'you have won')] }, broken)).toEqual({ BODY_WON: 2 });
  });
});

describe('rule symbols in the engine', () => {
  const config = {
    header: [{ name: 'SUBJ_HI', header: 'Subject', match: 'contains', value: 'hi', score: 1 }],
    body: [{ name: 'BODY_HELLO', match: 'contains', value: 'hello', score: 1, description: 'Says hello' }],
  };

  it('config scores override a rule score; disabled_symbols turn a rule off', async () => {
    expect(await symbols(config, 'Subject: hi\n\nhello', { scores: { SUBJ_HI: 4.5 } })).toEqual({ SUBJ_HI: 4.5, BODY_HELLO: 1 });
    expect(await symbols(config, 'Subject: hi\n\nhello', { disabled_symbols: ['BODY_HELLO'] })).toEqual({ SUBJ_HI: 1 });
  });

  it('declares one symbol per rule with its description, and one check per family', () => {
    const engine = testEngine(parseConfig({ rules: config }));
    const byName = Object.fromEntries(engine.checks.map((c) => [c.name, c]));
    expect(byName['header-rules']!.symbols).toEqual({ SUBJ_HI: { score: 1, description: 'Subject contains "hi"' } });
    expect(byName['body-rules']!.symbols).toEqual({ BODY_HELLO: { score: 1, description: 'Says hello' } });
    expect(byName['body-rules']!.needsBody).toBe(true);
    expect(testEngine(parseConfig({})).checks.map((c) => c.name)).not.toContain('body-rules');
  });
});
