import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import type { Pipeline } from '../../src/scan/pipeline.js';
import { OTHER_POLICY_REPLY, Transaction } from '../../src/scan/transaction.js';
import { testEngine, testPipeline, testServices } from '../support/services.js';

const log = pino({ level: 'silent' });
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const client = { hostname: 'mx.example.org', address: '192.0.2.1', port: 25, family: 'inet' as const };

function pipelineWith(raw: object, extra: Check[] = []): Pipeline {
  const config = parseConfig(raw);
  const base = testPipeline(config);
  if (extra.length === 0) return base;
  return { ...base, engine: new Engine([...testEngine(config).checks, ...extra], { services: testServices(), scores: {}, checkTimeoutMs: 1000 }) };
}

async function message(tx: Transaction, body: string, rcpts: string[] = ['user@example.net'], headers: [string, string][] = []) {
  await tx.mail({ address: 'a@example.org', args: [] }, { authenticated: false });
  const answers = [];
  for (const r of rcpts) answers.push(await tx.rcpt({ address: r, args: [] }, { answerable: true }));
  for (const [name, value] of headers) tx.header(name, value);
  tx.header('Subject', 'hello');
  tx.endOfHeaders();
  await tx.body(Buffer.from(body));
  return { answers, eom: await tx.endOfMessage() };
}

const failing = (stage: Check['stage'], onFailure: Check['onFailure']): Check => ({
  name: `failing-${stage}`,
  stage,
  onFailure,
  symbols: { [`FAILING_${stage.toUpperCase()}`]: { score: 1, description: 'fails' } },
  run: async () => {
    throw new Error('store unreachable');
  },
});

describe('Transaction', () => {
  it('judges a message and returns its header edits as a neutral list', async () => {
    const tx = new Transaction(() => pipelineWith({ headers: { subject_prefix: '[SPAM] ' } }), log);
    await tx.connect(client);
    await tx.helo('mx.example.org');
    const { eom } = await message(tx, `${GTUBE}\r\n`, ['user@example.net'], [['X-Spam-Status', 'No, forged']]);
    expect(eom.verdict.action).toBe('mark');
    expect(eom.edits[0]).toEqual({ op: 'delete', name: 'X-Spam-Status', copies: [1] });
    expect(eom.edits).toContainEqual({ op: 'replace', name: 'Subject', value: '[SPAM] hello' });
    expect(eom.recipients).toEqual([{ address: 'user@example.net', policy: 'default', action: 'mark' }]);
  });

  it('defers a recipient whose policy would judge the message differently (452 4.5.3), and accepts it alone in the next transaction', async () => {
    const p = pipelineWith({ policies: [{ name: 'lovers', match: { recipients: ['@lovers.example'] }, spam_lover: true }] });
    const tx = new Transaction(() => p, log);
    await tx.connect(client);
    const { answers, eom } = await message(tx, 'hi\r\n', ['user@example.net', 'fan@lovers.example']);
    expect(answers).toEqual([{ kind: 'continue' }, { kind: 'defer', reply: OTHER_POLICY_REPLY }]);
    expect(eom.recipients.map((r) => r.address)).toEqual(['user@example.net']);
    const second = await message(tx, 'hi\r\n', ['fan@lovers.example']);
    expect(second.eom.recipients).toEqual([{ address: 'fan@lovers.example', policy: 'lovers', action: 'accept' }]);
  });

  it('scores without a check that fails open, and records the failure', async () => {
    const tx = new Transaction(() => pipelineWith({}, [failing('eom', 'open')]), log);
    const { eom } = await message(tx, 'hi\r\n');
    expect(eom.verdict.action).toBe('accept');
    expect(eom.verdict.result.failures).toEqual([{ check: 'failing-eom', reason: 'store unreachable', policy: 'open' }]);
  });

  it('defers the message when a check that fails closed failed, at end of message and at RCPT', async () => {
    const atEom = new Transaction(() => pipelineWith({}, [failing('eom', 'tempfail')]), log);
    const { eom } = await message(atEom, 'hi\r\n');
    expect(eom.verdict.action).toBe('tempfail');
    expect(eom.verdict.reply).toEqual({ code: 451, xcode: '4.7.1', text: 'Message could not be checked now, try again later' });
    expect(eom.edits).toEqual([]);
    const atRcpt = new Transaction(() => pipelineWith({}, [failing('rcpt', 'tempfail')]), log);
    const { answers } = await message(atRcpt, 'hi\r\n');
    expect(answers[0]).toMatchObject({ kind: 'defer', reply: { code: 451 } });
  });

  it('a reload applies from the next MAIL, never to the message in flight', async () => {
    let current = pipelineWith({});
    const tx = new Transaction(() => current, log);
    await tx.mail({ address: 'a@example.org', args: [] }, { authenticated: false });
    current = pipelineWith({ thresholds: { reject: 100 } });
    tx.header('Subject', 'x');
    await tx.body(Buffer.from(`${GTUBE}\r\n`));
    expect((await tx.endOfMessage()).verdict.action).toBe('mark');
    const { eom } = await message(tx, `${GTUBE}\r\n`);
    expect(eom.verdict.action).toBe('reject');
  });

  describe('findings with an outcome, check families and check headers', () => {
    // A stand-in for a virus scanner: finds "EVIL" in the body; says so in its own header.
    const scanner: Check = {
      name: 'fake-virus',
      stage: 'eom',
      family: 'virus',
      headers: [{ name: 'X-Virus-Status' }],
      symbols: { FAKE_VIRUS: { score: 0, description: 'a virus' } },
      run: (ctx) => {
        const infected = ctx.message.body.includes('EVIL');
        ctx.addHeader('X-Virus-Status', infected ? 'Infected (Evil)' : 'Clean');
        return infected ? [{ symbol: 'FAKE_VIRUS', detail: 'Evil', outcome: { family: 'virus', action: 'reject', reply: '554 5.7.1 Virus found: Evil' } }] : [];
      },
    };
    // Another host's Authentication-Results are kept; ours (authserv-id mx.test) are forged.
    const auth: Check = {
      name: 'fake-auth',
      stage: 'eom',
      headers: [{ name: 'Authentication-Results', forged: (v) => v.trim().startsWith('mx.test;') }],
      symbols: {},
      run: (ctx) => {
        ctx.addHeader('Authentication-Results', 'mx.test; spf=pass');
        return [];
      },
    };
    const policies = {
      policies: [
        { name: 'lovers', match: { recipients: ['@lovers.example'] }, virus_lover: true },
        { name: 'bypass', match: { recipients: ['@bypass.example'] }, bypass_virus_checks: true },
        { name: 'nospam', match: { recipients: ['@nospam.example'] }, bypass_spam_checks: true },
      ],
    };
    const run = async (body: string, rcpt: string, headers: [string, string][] = []) => {
      const tx = new Transaction(() => pipelineWith(policies, [scanner, auth]), log);
      await tx.connect(client);
      return (await message(tx, body, [rcpt], headers)).eom;
    };

    it('a virus rejects the message whatever the score, with the reply of the finding', async () => {
      const eom = await run('EVIL\r\n', 'user@example.net');
      expect(eom.verdict.action).toBe('reject');
      expect(eom.verdict.reply).toEqual({ code: 554, xcode: '5.7.1', text: 'Virus found: Evil' });
      expect(eom.verdict.outcome?.family).toBe('virus');
    });

    it('a virus lover gets the message, with the check header saying it is infected', async () => {
      const eom = await run('EVIL\r\n', 'fan@lovers.example');
      expect(eom.verdict.action).toBe('accept');
      expect(eom.edits).toContainEqual({ op: 'add', name: 'X-Virus-Status', value: 'Infected (Evil)' });
    });

    it('bypass_virus_checks skips the virus family only; bypass_spam_checks skips the spam family only', async () => {
      const bypassed = await run(`EVIL ${GTUBE}\r\n`, 'a@bypass.example');
      expect(bypassed.verdict.action).toBe('mark');
      expect(bypassed.edits.some((e) => e.name === 'X-Virus-Status')).toBe(false);
      const nospam = await run(`EVIL ${GTUBE}\r\n`, 'a@nospam.example');
      expect(nospam.verdict.action).toBe('reject');
      expect(nospam.verdict.result.symbols.map((s) => s.name)).toEqual(['FAKE_VIRUS']);
    });

    it("removes forged copies of a check's header by its own rule, counting the kept copies", async () => {
      const eom = await run('clean\r\n', 'user@example.net', [
        ['Authentication-Results', 'other.example; dkim=pass'],
        ['Authentication-Results', ' mx.test; spf=pass (forged)'],
        ['X-Virus-Status', 'Clean'],
      ]);
      expect(eom.edits.filter((e) => e.op === 'delete')).toEqual([
        { op: 'delete', name: 'Authentication-Results', copies: [2] },
        { op: 'delete', name: 'X-Virus-Status', copies: [1] },
      ]);
      expect(eom.edits.filter((e) => e.op === 'add').map((e) => e.name).slice(0, 3)).toEqual(['X-Virus-Status', 'Authentication-Results', 'X-Spam-Status']);
    });
  });
});
