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
    expect(eom.edits[0]).toEqual({ op: 'delete', name: 'X-Spam-Status', count: 1 });
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
});
