// The spamd check against a real spamd (SpamAssassin, network tests off): GTUBE and score
// bands, rule names, the size cap, a server down and a server too slow.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { GTUBE } from '../../src/checks/gtube.js';
import { parseConfig } from '../../src/config/load.js';
import { Transaction, type EndOfMessage } from '../../src/scan/transaction.js';
import { testPipeline } from '../support/services.js';
import { startStalledServer } from './support/stalled-server.js';
import { freePort } from './support/proc.js';
import { useSpamd } from './support/spamd.js';
import { readyLineServers } from './support/thresher.js';

const log = pino({ level: 'silent' });
const spamd = useSpamd();

const HEADERS: [string, string][] = [
  ['From', 'Alice <alice@example.org>'],
  ['To', 'bob@example.net'],
  ['Subject', 'lunch tomorrow'],
  ['Date', 'Fri, 04 Dec 2026 10:00:00 +0000'],
  ['Message-ID', '<lunch-1@example.org>'],
];

async function scan(spamdConfig: object, body: string, extra: object = {}): Promise<EndOfMessage> {
  const pipeline = testPipeline(parseConfig({ spamd: spamdConfig, ...extra }));
  const tx = new Transaction(() => pipeline, log);
  await tx.mail({ address: 'alice@example.org', args: [] }, { authenticated: false });
  await tx.rcpt({ address: 'bob@example.net', args: [] }, { answerable: true });
  for (const [n, v] of HEADERS) tx.header(n, v);
  tx.endOfHeaders();
  await tx.body(Buffer.from(body));
  return tx.endOfMessage();
}

const sym = (eom: EndOfMessage, name: string) => eom.verdict.result.symbols.find((s) => s.name === name);
const bands = ['SPAMD_LOW', 'SPAMD_MEDIUM', 'SPAMD_HIGH'];

describe('spamd check with a real spamd', () => {
  it("GTUBE: SpamAssassin's score lands in SPAMD_HIGH, with the rule names in SPAMD_RULES", async () => {
    const eom = await scan({ servers: [spamd().tcp] }, `${GTUBE.toString()}\r\n`, { disabled_symbols: ['GTUBE'] });
    const high = sym(eom, 'SPAMD_HIGH');
    expect(Number(high?.detail?.split(' / ')[0])).toBeGreaterThanOrEqual(1000);
    expect(high?.score).toBe(8);
    expect(sym(eom, 'SPAMD_RULES')?.detail?.split(' ')).toContain('GTUBE');
    expect(eom.verdict.action).toBe('mark');
  });

  it('the band follows the configured thresholds and the weights follow scores:', async () => {
    const body = 'Hi Bob, shall we have lunch tomorrow at noon? Alice\r\n';
    // Whatever SpamAssassin makes of a plain message, its score decides the band as configured.
    const first = await scan({ servers: [spamd().tcp], rules: false, bands: { low: -100, medium: 100, high: 200 } }, body);
    expect(first.verdict.result.symbols.map((s) => s.name).filter((n) => n.startsWith('SPAMD_'))).toEqual(['SPAMD_LOW']);
    const score = Number(sym(first, 'SPAMD_LOW')!.detail!.split(' / ')[0]);
    expect(score).toBeLessThan(5);
    const none = await scan({ servers: [spamd().tcp], bands: { low: score + 1, medium: score + 2, high: score + 3 } }, body);
    expect(none.verdict.result.symbols.filter((s) => bands.includes(s.name))).toEqual([]);
    const medium = await scan({ servers: [spamd().tcp], bands: { low: score - 2, medium: score, high: score + 1 } }, body, { scores: { SPAMD_MEDIUM: 2.5 } });
    expect(sym(medium, 'SPAMD_MEDIUM')?.score).toBe(2.5);
  });

  it('rule_symbols: each rule that hit is a symbol SA_<RULE> of score 0, which scores: can weigh', async () => {
    const eom = await scan({ servers: [spamd().tcp], rule_symbols: true }, `${GTUBE.toString()}\r\n`, { disabled_symbols: ['GTUBE'], scores: { SA_GTUBE: 3 } });
    const gtube = sym(eom, 'SA_GTUBE');
    expect(gtube?.score).toBe(3);
    const others = eom.verdict.result.symbols.filter((s) => s.name.startsWith('SA_') && s.name !== 'SA_GTUBE');
    expect(others.length).toBeGreaterThan(0);
    for (const s of others) expect(s.score).toBe(0);
    const off = await scan({ servers: [spamd().tcp] }, `${GTUBE.toString()}\r\n`, { disabled_symbols: ['GTUBE'] });
    expect(off.verdict.result.symbols.filter((s) => s.name.startsWith('SA_'))).toEqual([]);
  });

  it('REPORT gives each rule with its points; a User header is sent', async () => {
    const eom = await scan({ servers: [spamd().tcp], command: 'REPORT', user: 'nobody' }, `${GTUBE.toString()}\r\n`);
    expect(sym(eom, 'SPAMD_RULES')?.detail).toMatch(/(^| )GTUBE\(1000\)/);
    expect(sym(eom, 'SPAMD_HIGH')).toBeDefined();
  });

  it('a message over spamd.max_bytes is not sent: SPAMD_TOO_BIG, no band', async () => {
    const eom = await scan({ servers: [spamd().tcp], max_bytes: 2048 }, `${GTUBE.toString()}\r\n${'x'.repeat(4000)}\r\n`, { disabled_symbols: ['GTUBE'] });
    expect(sym(eom, 'SPAMD_TOO_BIG')?.detail).toMatch(/bytes/);
    expect(eom.verdict.result.symbols.filter((s) => bands.includes(s.name) || s.name === 'SPAMD_FAIL')).toEqual([]);
  });

  it('spamd down: open (the default) scores without it and says SPAMD_FAIL; tempfail defers', async () => {
    const dead = `inet:127.0.0.1:${await freePort()}`;
    const open = await scan({ servers: [dead] }, 'hello\r\n');
    expect(open.verdict.action).toBe('accept');
    expect(sym(open, 'SPAMD_FAIL')?.detail).toMatch(/ECONNREFUSED/);
    const closed = await scan({ servers: [dead], failure: 'tempfail' }, 'hello\r\n');
    expect(closed.verdict.action).toBe('tempfail');
    expect(closed.verdict.reply?.code).toBe(451);
  });

  it('fails over from a dead server to a live one', async () => {
    const dead = `inet:127.0.0.1:${await freePort()}`;
    const eom = await scan({ servers: [dead, spamd().tcp] }, `${GTUBE.toString()}\r\n`);
    expect(sym(eom, 'SPAMD_HIGH')).toBeDefined();
    expect(sym(eom, 'SPAMD_FAIL')).toBeUndefined();
  });

  it('thresher serve says in its ready line which spamd answers PING, and which does not', async () => {
    const dead = `inet:127.0.0.1:${await freePort()}`;
    const { servers, exitCode } = await readyLineServers(`spamd:\n  servers: ["${spamd().tcp}", "${dead}"]\n`, 'spamd');
    expect(exitCode).toBe(0);
    expect(servers[spamd().tcp]).toMatch(/^SPAMD\/\d+\.\d+ 0 PONG$/);
    expect(servers[dead]).toMatch(/^unavailable: .*ECONNREFUSED/);
  });

  describe('spamd too slow', () => {
    let stalled: Awaited<ReturnType<typeof startStalledServer>> | undefined;
    afterAll(async () => stalled?.close());
    it('the total time limit ends the wait: SPAMD_FAIL', async () => {
      stalled = await startStalledServer();
      const started = performance.now();
      const eom = await scan({ servers: [stalled.spec], total_timeout_seconds: 0.5 }, 'hello\r\n');
      expect(sym(eom, 'SPAMD_FAIL')?.detail).toMatch(/no answer within 500 ms/);
      expect(performance.now() - started).toBeLessThan(5000);
    });
  });
});
