// Bayes autolearn through the real server: a message scored far above spam_at is learned as
// spam after the MTA has its answer; a clean one far below ham_at as ham; one in between not.
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/server.js';
import { MemoryTokenStore } from '../../src/store/memory-tokens.js';
import { MtaClient, type MessageSpec } from '../../protocol/testing/mta-client.js';
import { testPipeline } from '../support/services.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const message = (id: string, body: string): MessageSpec => ({
  macros: { mail: { i: id }, eom: { i: id } },
  connect: { hostname: 'client.example.org', address: '192.0.2.10', port: 40123 },
  helo: 'client.example.org',
  from: 'alice@example.org',
  mailArgs: [],
  rcpts: ['bob@example.net'],
  headers: [
    ['From', 'Alice <alice@example.org>'],
    ['To', 'Bob <bob@example.net>'],
    ['Subject', 'autolearn test'],
    ['Date', 'Wed, 25 Nov 2026 10:00:00 +0000'],
    ['Message-ID', `<${id}@example.org>`],
  ],
  body,
});

describe('autolearn in the server', () => {
  it('learns by score without BAYES_*, after answering the MTA', async () => {
    const tokens = new MemoryTokenStore();
    // ham_at high enough that a plain message (whatever the content checks give it) is ham.
    const config = parseConfig({ bayes: { autolearn: { enabled: true, spam_at: 500, ham_at: 4 } } });
    const server = await startServer({ config, pipeline: testPipeline(config, { source: 'test', tokens, learn: true }), log: pino({ level: 'silent' }), listen: ['inet:127.0.0.1:0'] });
    const port = Number(server.addresses[0]!.split(':').pop());
    const c = await MtaClient.connect('127.0.0.1', port, { timeoutMs: 5000 });
    try {
      await c.negotiate({ version: 6, actions: 0x1ff, protocol: 0 });
      await c.sendMessage(message('spam1', `Hello,\r\n\r\n${GTUBE}\r\n`));
      await vi.waitFor(async () => expect(await tokens.totals()).toEqual({ spam: 1, ham: 0 }));
      await c.sendMessage(message('ham1', 'Hello Bob,\r\n\r\nlunch on Friday?\r\n'));
      await vi.waitFor(async () => expect(await tokens.totals()).toEqual({ spam: 1, ham: 1 }));
      // The same message again counts once.
      await c.sendMessage(message('spam1', `Hello,\r\n\r\n${GTUBE}\r\n`));
      // Learning is asynchronous, after the reply: a later message's learning shows the repeat was done (and counted once).
      await c.sendMessage(message('ham2', 'Hello Bob,\r\n\r\ndinner on Saturday?\r\n'));
      await vi.waitFor(async () => expect(await tokens.totals()).toEqual({ spam: 1, ham: 2 }));
      await c.quit();
    } finally {
      c.close();
      await server.close();
    }
  });
});
