// The ClamAV check against a real clamd (started by the test with its own signature database):
// verdicts, encodings, limits, failure policies, time limits and the circuit breaker.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { MetricsObserver } from '../../src/scan/services.js';
import { Transaction, type EndOfMessage } from '../../src/scan/transaction.js';
import { testPipeline, testServices } from '../support/services.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';
import { CUSTOM_SIGNATURE_NAME, CUSTOM_SIGNATURE_TEXT, EICAR, startClamd, useClamd, type ClamdServer } from './support/clamd.js';
import { startCountingProxy } from './support/counting-proxy.js';
import { startFixedAnswerServer, startStalledServer } from './support/stalled-server.js';
import { freePort } from './support/proc.js';
import { storedZip, withAttachment, type Encoding } from './support/mime.js';
import { MAIN, readyLineServers } from './support/thresher.js';

const log = pino({ level: 'silent' });
const clamd = useClamd();
afterAll(removeTempDirs);

interface Harness {
  scan(headers: [string, string][], body: string | Buffer, o?: { rcpt?: string; between?: () => Promise<void> }): Promise<EndOfMessage>;
  states: { server: string; state: string }[];
  advance(ms: number): void;
}

/** A pipeline with the given clamav settings, a clock the test moves, and the breaker states it saw. */
function harness(clamav: object, extra: object = {}): Harness {
  let now = 1_000_000;
  const states: { server: string; state: string }[] = [];
  const metrics: MetricsObserver = { ...testServices().metrics, scannerState: (_s, server, state) => void states.push({ server, state }) };
  const pipeline = testPipeline(parseConfig({ clamav, ...extra }), { services: testServices({ clock: { now: () => now }, metrics }) });
  return {
    states,
    advance: (ms) => void (now += ms),
    async scan(headers, body, o = {}) {
      const tx = new Transaction(() => pipeline, log);
      await tx.connect({ hostname: 'mx.example.org', address: '192.0.2.1', port: 25, family: 'inet' });
      await tx.mail({ address: 'sender@example.org', args: [] }, { authenticated: false });
      await tx.rcpt({ address: o.rcpt ?? 'user@example.net', args: [] }, { answerable: true });
      for (const [name, value] of headers) tx.header(name, value);
      tx.endOfHeaders();
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
      // In 64 KiB chunks, as a milter MTA sends the body; the message ends (or is abandoned) as a session ends it.
      const half = Math.floor(bytes.length / 2);
      try {
        for (let at = 0; at < bytes.length; at += 65536) {
          await tx.body(bytes.subarray(at, Math.min(at + 65536, bytes.length)));
          if (o.between && at <= half && at + 65536 > half) await o.between();
        }
        return await tx.endOfMessage();
      } finally {
        tx.endMessage();
      }
    },
  };
}

const added = (eom: EndOfMessage, name: string) => eom.edits.filter((e) => e.op === 'add' && e.name === name).map((e) => (e as { value: string }).value);
const symbols = (eom: EndOfMessage) => eom.verdict.result.symbols.map((s) => s.name);
const plain: [string, string][] = [['From', 'sender@example.org'], ['Subject', 'hello']];

describe('clamav check with a real clamd', () => {
  it('a clean message passes with X-Virus-Status: Clean and X-Virus-Scanned naming clamd', async () => {
    const h = harness({ servers: [clamd().tcp] });
    const eom = await h.scan(plain, 'Nothing to see here.\r\n');
    expect(eom.verdict.action).toBe('accept');
    expect(added(eom, 'X-Virus-Status')).toEqual(['Clean']);
    expect(added(eom, 'X-Virus-Scanned')[0]).toMatch(/ClamAV/);
  });

  it.each<[string, Encoding, boolean]>([
    ['an attachment', '7bit', false],
    ['a base64 attachment', 'base64', false],
    ['a quoted-printable attachment', 'quoted-printable', false],
    ['a zip inside a base64 attachment', 'base64', true],
  ])('EICAR as %s is rejected with 554 5.7.1 and the virus name', async (_what, enc, zipped) => {
    const h = harness({ servers: [clamd().tcp] });
    const payload = zipped ? storedZip('eicar.com', Buffer.from(EICAR)) : Buffer.from(EICAR);
    const m = withAttachment(zipped ? 'eicar.zip' : 'eicar.com', payload, enc);
    const eom = await h.scan(m.headers, m.body);
    expect(eom.verdict.action).toBe('reject');
    expect(eom.verdict.reply?.code).toBe(554);
    expect(eom.verdict.reply?.xcode).toBe('5.7.1');
    expect(eom.verdict.reply?.text).toMatch(/^Virus found: Eicar-Test-Signature/);
    expect(eom.verdict.result.symbols.find((s) => s.name === 'CLAMAV_VIRUS')?.detail).toMatch(/^Eicar-Test-Signature/);
  });

  it("finds the tests' own signature over the unix socket, and applies the configured action and reply", async () => {
    const h = harness({ servers: [clamd().unix], action: 'quarantine', quarantine_reason: 'held: {virus}' });
    const eom = await h.scan(plain, `text ${CUSTOM_SIGNATURE_TEXT} text\r\n`);
    expect(eom.verdict.action).toBe('quarantine');
    expect(eom.verdict.reason).toMatch(new RegExp(`^held: ${CUSTOM_SIGNATURE_NAME.replace(/\./g, '\\.')}`));
    expect(added(eom, 'X-Virus-Status')[0]).toMatch(new RegExp(`^Infected \\(${CUSTOM_SIGNATURE_NAME.replace(/\./g, '\\.')}`));
  });

  it('the tag action and a virus_lover deliver the virus with its status header; bypass_virus_checks does not scan', async () => {
    const policies = [
      { name: 'lovers', match: { recipients: ['@lovers.example'] }, virus_lover: true },
      { name: 'bypass', match: { recipients: ['@bypass.example'] }, bypass_virus_checks: true },
    ];
    const tagged = await harness({ servers: [clamd().tcp], action: 'tag' }).scan(plain, `${EICAR}\r\n`);
    expect(tagged.verdict.action).toBe('accept');
    expect(added(tagged, 'X-Virus-Status')[0]).toMatch(/^Infected \(Eicar-Test-Signature/);
    const h = harness({ servers: [clamd().tcp] }, { policies });
    const lover = await h.scan(plain, `${EICAR}\r\n`, { rcpt: 'fan@lovers.example' });
    expect(lover.verdict.action).toBe('accept');
    expect(added(lover, 'X-Virus-Status')[0]).toMatch(/^Infected/);
    const bypassed = await h.scan(plain, `${EICAR}\r\n`, { rcpt: 'a@bypass.example' });
    expect(bypassed.verdict.action).toBe('accept');
    expect(added(bypassed, 'X-Virus-Status')).toEqual([]);
  });

  it('removes forged incoming copies of the virus headers', async () => {
    const eom = await harness({ servers: [clamd().tcp] }).scan([...plain, ['X-Virus-Status', 'Clean'], ['X-Virus-Scanned', 'by a forger']], `${EICAR}\r\n`);
    expect(eom.verdict.action).toBe('reject');
    const tagged = await harness({ servers: [clamd().tcp], action: 'tag' }).scan([...plain, ['X-Virus-Status', 'Clean']], `${EICAR}\r\n`);
    expect(tagged.edits).toContainEqual({ op: 'delete', name: 'X-Virus-Status', copies: [1] });
  });

  it('a message over clamav.max_bytes is scanned up to it: CLAMAV_TRUNCATED, and a virus after the limit is not seen', async () => {
    const filler = 'x'.repeat(99) + '\r\n';
    const body = filler.repeat(1000) + `${EICAR}\r\n`;
    const eom = await harness({ servers: [clamd().tcp], max_bytes: 65536 }).scan(plain, body);
    expect(eom.verdict.action).toBe('accept');
    expect(symbols(eom)).toContain('CLAMAV_TRUNCATED');
    expect(added(eom, 'X-Virus-Status')).toEqual(['Clean']);
    const whole = await harness({ servers: [clamd().tcp] }).scan(plain, body);
    expect(whole.verdict.action).toBe('reject');
  });

  it("a stream over clamd's StreamMaxLength is a failure with a hint (read despite the broken write), not a disabled server", async () => {
    const h = harness({ servers: [clamd().tcp], max_bytes: 8 * 1024 * 1024, failure: 'open' });
    const eom = await h.scan(plain, Buffer.alloc(3 * 1024 * 1024, 'a'));
    const fail = eom.verdict.result.symbols.find((s) => s.name === 'CLAMAV_FAIL');
    expect(fail?.detail).toMatch(/size limit exceeded.*StreamMaxLength/);
    expect(h.states.filter((s) => s.state === 'open')).toEqual([]);
  });

  it("clamd's heuristic results are scored symbols, not viruses (a file over MaxFileSize: Heuristics.Limits.Exceeded)", async () => {
    const eom = await harness({ servers: [clamd().tcp] }).scan(plain, Buffer.alloc(400 * 1024, 'b'));
    expect(eom.verdict.action).toBe('accept');
    const limits = eom.verdict.result.symbols.find((s) => s.name === 'CLAMAV_LIMITS');
    expect(limits?.detail).toMatch(/^Heuristics\.Limits\.Exceeded/);
    expect(limits?.score).toBe(0.5);
    expect(added(eom, 'X-Virus-Status')[0]).toMatch(/^Suspicious \(Heuristics\.Limits\.Exceeded/);
  });

  it('an encrypted zip attachment is Heuristics.Encrypted.Zip: CLAMAV_ENCRYPTED scored, not a virus', async () => {
    const secret = Buffer.concat([Buffer.alloc(12, 7), Buffer.from('the real content is encrypted\n')]);
    const { headers, body } = withAttachment('invoice.zip', storedZip('invoice.pdf', secret, { encrypted: true }), 'base64', 'application/zip');
    const eom = await harness({ servers: [clamd().tcp] }).scan(headers, body);
    expect(eom.verdict.action).toBe('accept');
    const encrypted = eom.verdict.result.symbols.find((s) => s.name === 'CLAMAV_ENCRYPTED');
    expect(encrypted?.detail).toMatch(/^Heuristics\.Encrypted\.Zip/);
    expect(encrypted?.score).toBe(1);
    expect(symbols(eom)).not.toContain('CLAMAV_VIRUS');
    expect(added(eom, 'X-Virus-Status')[0]).toMatch(/^Suspicious \(Heuristics\.Encrypted\.Zip/);
  });

  it('a message abandoned mid-body lets its clamd connection and slot go', async () => {
    // One slot: a stream left holding it would make the next message wait and fail.
    const h = harness({ servers: [clamd().tcp], max_concurrent: 1, queue_wait_seconds: 0.2 });
    for (let i = 0; i < 3; i++) {
      await expect(h.scan(plain, Buffer.alloc(100 * 1024, 'd'), { between: () => Promise.reject(new Error('client went away')) })).rejects.toThrow(/client went away/);
    }
    const eom = await h.scan(plain, 'after\r\n');
    expect(added(eom, 'X-Virus-Status')).toEqual(['Clean']);
    expect(h.states.filter((s) => s.state !== 'closed')).toEqual([]);
  });

  it('fails over to the next server when one is down, without a recorded failure', async () => {
    const dead = `inet:127.0.0.1:${await freePort()}`;
    const h = harness({ servers: [dead, clamd().tcp] });
    // Servers are taken in turn: some streams start on the dead one and are sent again to the live one.
    for (let i = 0; i < 4; i++) {
      const eom = await h.scan(plain, `${EICAR}\r\n`);
      expect(eom.verdict.action).toBe('reject');
      expect(eom.verdict.result.failures).toEqual([]);
    }
    expect(h.states).toContainEqual({ server: dead, state: 'open' });
  });

  describe('a stalled clamd (accepts, never answers)', () => {
    let stalled: Awaited<ReturnType<typeof startStalledServer>>;
    afterAll(async () => stalled?.close());

    it('hits the total time limit: open adds CLAMAV_FAIL, tempfail defers with 451 4.7.1', async () => {
      stalled = await startStalledServer();
      const open = await harness({ servers: [stalled.spec], failure: 'open', total_timeout_seconds: 0.5 }).scan(plain, 'hello\r\n');
      expect(open.verdict.action).toBe('accept');
      expect(open.verdict.result.symbols.find((s) => s.name === 'CLAMAV_FAIL')?.detail).toMatch(/no answer within 500 ms/);
      const started = performance.now();
      const h = harness({ servers: [stalled.spec], total_timeout_seconds: 0.5, breaker: { failures: 1 } });
      const closed = await h.scan(plain, 'hello\r\n');
      expect(closed.verdict.action).toBe('tempfail');
      expect(closed.verdict.reply).toMatchObject({ code: 451, xcode: '4.7.1' });
      expect(performance.now() - started).toBeLessThan(5000);
      expect(stalled.connections()).toBeGreaterThanOrEqual(2);
      // A time-out is the server's failure: its breaker opens, and the next message fails at once.
      expect(h.states.at(-1)?.state).toBe('open');
      const again = performance.now();
      expect((await h.scan(plain, 'hello\r\n')).verdict.action).toBe('tempfail');
      expect(performance.now() - again).toBeLessThan(200);
    });
  });

  it('a clamd that answers ERROR (as one shutting down does) is a failure: the next server scans the message', async () => {
    const failing = await startFixedAnswerServer('stream: PROTOCOL ERROR: ancillary data sent without FILDES. ERROR\0');
    try {
      const h = harness({ servers: [failing.spec, clamd().tcp], breaker: { failures: 1 } });
      const streamed = await h.scan(plain, `${EICAR}\r\n`);
      expect(streamed.verdict.action).toBe('reject');
      expect(streamed.verdict.reply?.text).toMatch(/Eicar-Test-Signature/);
      expect(h.states).toContainEqual({ server: failing.spec, state: 'open' });
    } finally {
      await failing.close();
    }
  });

  describe('session connections (zIDSESSION) are reused', () => {
    const zidsessions = (commands: string[]) => commands.filter((c) => c === 'zIDSESSION').length;

    it('ten messages one after another, clean and infected, take one connection', async () => {
      const proxy = await startCountingProxy(clamd().port);
      try {
        const h = harness({ servers: [proxy.spec] });
        for (let i = 0; i < 10; i++) {
          const eom = await h.scan(plain, i % 3 === 0 ? `${EICAR}\r\n` : `message ${i}\r\n`);
          expect(eom.verdict.action).toBe(i % 3 === 0 ? 'reject' : 'accept');
        }
        expect(zidsessions(proxy.firstCommands)).toBe(1);
        // The other one is the zVERSION probe at first use.
        expect(proxy.connections()).toBe(2);
      } finally {
        await proxy.close();
      }
    });

    it('concurrent messages take a connection each, kept for the messages after them', async () => {
      const proxy = await startCountingProxy(clamd().port);
      try {
        const h = harness({ servers: [proxy.spec] });
        for (let round = 0; round < 3; round++) {
          const eoms = await Promise.all(Array.from({ length: 4 }, (_, i) => h.scan(plain, i === 1 ? `${EICAR}\r\n` : `round ${round} message ${i}\r\n`)));
          expect(eoms.map((e) => e.verdict.action)).toEqual(['accept', 'reject', 'accept', 'accept']);
        }
        const sessions = zidsessions(proxy.firstCommands);
        expect(sessions).toBeGreaterThanOrEqual(1);
        expect(sessions).toBeLessThanOrEqual(4);
        expect(proxy.connections()).toBe(sessions + 1);
      } finally {
        await proxy.close();
      }
    });

    it('connections closed under it (clamd restarted) are not held against the server: the next message is scanned on a new one', async () => {
      const proxy = await startCountingProxy(clamd().port);
      try {
        const h = harness({ servers: [proxy.spec], breaker: { failures: 1 } });
        expect((await h.scan(plain, 'first\r\n')).verdict.action).toBe('accept');
        // Cut and reused at once: the close may reach Thresher only when the next scan is under way.
        proxy.cutAll();
        const eom = await h.scan(plain, `${EICAR}\r\n`);
        expect(eom.verdict.action).toBe('reject');
        expect(h.states.map((s) => s.state)).toEqual(['closed']);
        expect(zidsessions(proxy.firstCommands)).toBe(2);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('clamd stopped mid-run and restarted', () => {
    // Its own clamd: the one the other tests share is never stopped.
    let server: ClamdServer;
    beforeAll(async () => {
      server = await startClamd();
    }, 90_000);
    afterAll(async () => server?.dispose());

    it('the failure policy applies, the breaker opens (then fails at once), and closes after clamd is back', async () => {
      const h = harness({ servers: [server.tcp], breaker: { failures: 2, window_seconds: 10, cooldown_seconds: 30 } });
      expect((await h.scan(plain, 'before\r\n')).verdict.action).toBe('accept');
      // Stopped while the body streams: the stream breaks, there is no other server, tempfail.
      const mid = await h.scan(plain, Buffer.alloc(200 * 1024, 'c'), { between: () => server.stop() });
      expect(mid.verdict.action).toBe('tempfail');
      expect(mid.verdict.result.failures[0]?.check).toBe('clamav');
      expect((await h.scan(plain, 'down\r\n')).verdict.action).toBe('tempfail');
      expect(h.states.at(-1)).toEqual({ server: server.tcp, state: 'open' });
      // Disabled: the policy applies at once, without trying the server.
      const started = performance.now();
      const fast = await h.scan(plain, 'down\r\n');
      expect(fast.verdict.action).toBe('tempfail');
      expect(fast.verdict.result.failures[0]?.reason).toMatch(/1 disabled/);
      // Well under the 2 s connect limit: nothing was tried.
      expect(performance.now() - started).toBeLessThan(1000);
      // After the cool-down, the probe's zPING finds clamd still down: disabled again, the message not tried on it.
      h.advance(31_000);
      expect((await h.scan(plain, 'still down\r\n')).verdict.action).toBe('tempfail');
      expect(h.states.slice(-2).map((s) => s.state)).toEqual(['half-open', 'open']);
      await server.restart();
      // Still cooling down: not tried even though clamd is back.
      expect((await h.scan(plain, 'cooling\r\n')).verdict.action).toBe('tempfail');
      h.advance(31_000);
      const probe = await h.scan(plain, `${EICAR}\r\n`);
      expect(probe.verdict.action).toBe('reject');
      expect(h.states.slice(-2).map((s) => s.state)).toEqual(['half-open', 'closed']);
    }, 120_000);
  });

  it("thresher serve names each clamd's version in its ready line, and a server that does not answer", async () => {
    const down = `inet:127.0.0.1:${await freePort()}`;
    const { servers, records, exitCode } = await readyLineServers(`clamav:\n  servers: ["${clamd().tcp}", "${down}"]\n`, 'clamav');
    expect(exitCode).toBe(0);
    expect(servers[clamd().tcp]).toMatch(/^ClamAV \d+\.\d+/);
    expect(servers[down]).toMatch(/^unavailable: .*ECONNREFUSED/);
    const readyAt = records.findIndex((r) => r.msg === 'thresher ready');
    const clamdReady = records.findIndex((r) => r.msg === 'clamd ready' && r.server === clamd().tcp);
    expect(clamdReady).toBeGreaterThanOrEqual(0);
    expect(clamdReady).toBeLessThan(readyAt);
  });

  it('thresher check runs the scanner with its config, so an admin can test a file', async () => {
    const dir = tempDir('clamav-check');
    const config = join(dir, 'thresher.yaml');
    writeFileSync(config, `clamav:\n  servers: ["${clamd().unix}"]\n  reject_reply: "550 5.7.1 Infected: {virus}"\n`);
    const file = join(dir, 'eicar.eml');
    writeFileSync(file, `From: a@example.org\r\nSubject: test\r\n\r\n${EICAR}\r\n`);
    const { stdout } = await promisify(execFile)(process.execPath, [MAIN, 'check', '--json', '--data-dir', join(dir, 'data'), '--config', config, file]);
    const out = JSON.parse(stdout) as { action: string; symbols: { name: string; detail?: string }[] };
    expect(out.action).toBe('reject');
    expect(out.symbols.find((x) => x.name === 'CLAMAV_VIRUS')?.detail).toMatch(/^Eicar-Test-Signature/);
  });
});
