import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { splitMessage } from '../../src/message/parse.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { MtaClient, type MessageResult } from '../../protocol/testing/mta-client.js';
import { testPipeline } from '../support/services.js';

// One scan pipeline for every front end: `thresher check --json` (the built CLI, offline) and
// the milter path (a server on loopback driven by an MTA client) must give the same action,
// score and added headers for the same message and envelope. The messages: a deterministic
// sample of the development corpus when it is there, and always a few written here.

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const SAMPLE_EVERY = 60;
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const ENVELOPE = { ip: '192.0.2.10', hostname: 'mail.sender.example', helo: 'mail.sender.example', from: 'someone@sender.example', rcpt: 'user@example.net' };
const CONFIG_YAML = ['headers: { subject_prefix: "[SPAM] " }', 'thresholds: { reject: 40 }'].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'thresher-agree-'));
const written = [
  'From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\nDate: Thu, 1 Jan 2026 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHello there.\r\n',
  `From: a@example.org\r\nTo: b@example.net\r\nSubject: test\r\nX-Spam-Status: No, score=-50\r\nX-Spam-Flag: NO\r\n\r\n${GTUBE}\r\n`,
  'From: "WINNER" <prize@lottery.example>\r\nSubject: YOU HAVE WON $1,000,000 CLAIM NOW!!!\r\n\r\n<html><body><a href="http://192.0.2.9/claim">CLICK HERE</a></body></html>\r\n',
].map((text, i) => {
  const path = join(dir, `written-${i}.eml`);
  writeFileSync(path, text);
  return path;
});

function corpusSample(): string[] {
  if (!existsSync(CORPUS)) return [];
  const files: string[] = [];
  for (const source of readdirSync(CORPUS).sort()) {
    for (const label of ['spam', 'ham']) {
      const folder = join(CORPUS, source, label);
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder).sort()) if (name.endsWith('.eml')) files.push(join(folder, name));
    }
  }
  return files.filter((_, i) => i % SAMPLE_EVERY === 0);
}

/** The milter codec sends folded values with LF line ends (the MTA writes its own); compare without that. */
const lf = (value: string) => value.replace(/\r\n/g, '\n');

interface Judged {
  action: string;
  score: number | undefined;
  headers: { name: string; value: string }[];
}

/** The milter's answer in check's terms. */
function fromMilter(r: MessageResult): Judged {
  const headers = r.modifications.flatMap((m) => (m.kind === 'addheader' || (m.kind === 'chgheader' && m.value !== '') ? [{ name: m.name, value: lf(m.value.replace(/^ /, '')) }] : []));
  const status = headers.find((h) => h.name === 'X-Spam-Status')?.value;
  const score = status === undefined ? undefined : Number(/score=(-?[\d.]+)/.exec(status)?.[1]);
  let action = status?.startsWith('Yes') ? 'mark' : 'accept';
  if (r.final === 'replycode') action = r.replyText?.startsWith('5') ? 'reject' : 'tempfail';
  else if (r.final === 'discard') action = 'discard';
  else if (r.modifications.some((m) => m.kind === 'quarantine')) action = 'quarantine';
  return { action, score, headers };
}

describe('thresher check and the milter path agree', () => {
  let server: RunningServer;
  let port: number;
  const configFile = join(dir, 'thresher.yaml');

  beforeAll(async () => {
    writeFileSync(configFile, CONFIG_YAML);
    const config = parseConfig({ headers: { subject_prefix: '[SPAM] ' }, thresholds: { reject: 40 } });
    server = await startServer({ config, pipeline: testPipeline(config), log: pino({ level: 'silent' }), listen: ['inet:127.0.0.1:0'] });
    port = Number(server.addresses[0]!.split(':').pop());
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same action, score and added headers for the same message and envelope', { timeout: 120_000 }, async () => {
    const files = [...written, ...corpusSample()];
    const { stdout } = await run(
      process.execPath,
      [CLI, 'check', '--json', '--config', configFile, '--data-dir', join(dir, 'no-data'), '--ip', ENVELOPE.ip, '--hostname', ENVELOPE.hostname, '--helo', ENVELOPE.helo, '--from', ENVELOPE.from, '--rcpt', ENVELOPE.rcpt, ...files],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const checked = stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; action: string; score: number; headers: Judged['headers'] });
    expect(checked.map((c) => c.file)).toEqual(files);
    const actions = new Set<string>();
    const c = await MtaClient.connect('127.0.0.1', port, { timeoutMs: 10_000 });
    try {
      await c.negotiate({ version: 6, actions: 0x1ff, protocol: 0 });
      for (const [i, file] of files.entries()) {
        const split = splitMessage(readFileSync(file));
        const result = await c.sendMessage({
          connect: { hostname: ENVELOPE.hostname, address: ENVELOPE.ip, port: 25 },
          helo: ENVELOPE.helo,
          from: ENVELOPE.from,
          rcpts: [ENVELOPE.rcpt],
          headers: split.fields.map((f) => [f.name, f.value]),
          body: split.body,
        });
        const milter = fromMilter(result);
        const check = checked[i]!;
        actions.add(check.action);
        expect({ file, ...milter }, file).toEqual({
          file,
          action: check.action,
          score: check.headers.length > 0 ? check.score : undefined,
          headers: check.headers.map((h) => ({ name: h.name, value: lf(h.value) })),
        });
      }
    } finally {
      await c.quit();
    }
    // The sample is only a proof if it reaches more than one outcome.
    expect(actions.has('accept')).toBe(true);
    expect(actions.has('mark') || actions.has('reject')).toBe(true);
  });
});
