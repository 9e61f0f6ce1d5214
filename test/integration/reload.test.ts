// SIGHUP reload on the real server process: the message in flight finishes with the config it
// started with, the next one uses the new config, and an invalid config is refused.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mta } from '../../protocol/testing/mta.js';
import { MtaClient } from '../../protocol/testing/mta-client.js';
import { startThresher, type Thresher } from './support/thresher.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

describe('SIGHUP reload', () => {
  let t: Thresher;
  beforeAll(async () => {
    t = await startThresher('thresholds:\n  spam: 5\n');
  });
  afterAll(async () => {
    expect(await t.stop()).toBe(0);
  });

  it('finishes the message in flight with the old config; the next message uses the new one', async () => {
    const c = await MtaClient.connect('127.0.0.1', t.port);
    await c.negotiate();
    await c.send(Buffer.concat([
      mta.connect('client.example', '4', 40000, '192.0.2.9'),
      mta.helo('client.example'),
      mta.mail('<a@example.org>'),
      mta.rcpt('<b@example.net>'),
      mta.header('Subject', ' test'),
      mta.eoh(),
      mta.body(`${GTUBE}\r\n`),
    ]));
    expect((await c.nextAnswer()).kind).toBe('continue'); // the body chunk

    const before = t.records().length;
    writeFileSync(t.configPath, 'thresholds:\n  spam: 5\n  reject: 20\n');
    t.signal('SIGHUP');
    await t.waitForLog('configuration reloaded', before);

    await c.send(mta.eom());
    const inFlight = [await c.nextAnswer(), await c.nextAnswer(), await c.nextAnswer(), await c.nextAnswer(), await c.nextAnswer()];
    expect(inFlight.map((a) => a.kind)).toEqual(['addheader', 'addheader', 'addheader', 'addheader', 'continue']);
    c.close();

    const d = await MtaClient.connect('127.0.0.1', t.port);
    await d.negotiate();
    const next = await d.sendMessage({
      connect: { hostname: 'client.example', address: '192.0.2.9', port: 40000 },
      helo: 'client.example',
      from: '<a@example.org>',
      rcpts: ['<b@example.net>'],
      headers: [['Subject', ' again']],
      body: `${GTUBE}\r\n`,
    });
    expect(next.final).toBe('replycode');
    expect(next.replyText).toBe('550 5.7.1 Message rejected as spam');
    d.close();
  });

  it('refuses an invalid config on reload, says why, and keeps serving with the old one', async () => {
    const before = t.records().length;
    writeFileSync(t.configPath, 'thresholds:\n  spam: lots\n');
    t.signal('SIGHUP');
    const refused = await t.waitForLog('reload refused: configuration invalid, the running one stays', before);
    expect(String(refused.err)).toContain('thresholds.spam');
    const c = await MtaClient.connect('127.0.0.1', t.port);
    await c.negotiate();
    const r = await c.sendMessage({
      connect: { hostname: 'client.example', address: '192.0.2.9', port: 40000 },
      helo: 'client.example',
      from: '<a@example.org>',
      rcpts: ['<b@example.net>'],
      headers: [['Subject', ' x']],
      body: `${GTUBE}\r\n`,
    });
    expect(r.replyText).toBe('550 5.7.1 Message rejected as spam');
    c.close();
  });
});
