import type { SpamdConfig } from '../config/spamd.js';
import type { Check, CheckContext, Hit, SymbolDef } from '../engine/check.js';
import type { Message } from '../message/message.js';
import type { Services } from '../scan/services.js';
import { failover, withDeadline } from '../scanners/failover.js';
import { ServerPool } from '../scanners/pool.js';
import { askSpamd, pingSpamd, spamdRequest, type SpamdAnswer } from '../scanners/spamc.js';

// A remote SpamAssassin (spamd). Its score is weighed in bands (as SmarterMail does): one of
// SPAMD_LOW, SPAMD_MEDIUM, SPAMD_HIGH, each with its own weight; its rule names go in the
// detail of the 0-score SPAMD_RULES, since the engine only scores declared symbols.

export const SPAMD_SYMBOLS: Record<string, SymbolDef> = {
  SPAMD_LOW: { score: 1.5, description: "SpamAssassin's score reached spamd.bands.low" },
  SPAMD_MEDIUM: { score: 4, description: "SpamAssassin's score reached spamd.bands.medium" },
  SPAMD_HIGH: { score: 8, description: "SpamAssassin's score reached spamd.bands.high" },
  SPAMD_RULES: { score: 0, description: 'The SpamAssassin rules that hit (informational; spamd.rules)' },
  SPAMD_TOO_BIG: { score: 0, description: 'Message larger than spamd.max_bytes (or limits.max_scan_bytes): not sent to spamd' },
  SPAMD_FAIL: { score: 0, description: 'No spamd server answered; the message was scored without SpamAssassin (failure policy open)' },
};

/** SA_<RULE>: each SpamAssassin rule that hit, with spamd.rule_symbols. */
export const SPAMD_RULE_PREFIX = 'SA_';
const RULE_SYMBOL: SymbolDef = { score: 0, description: 'A SpamAssassin rule that hit (spamd.rule_symbols); weigh it under scores:' };

const ENGINE_MARGIN_MS = 2000;

/** The message as spamd reads it: the headers, a blank line, the body. */
function wholeMessage(m: Message): Buffer {
  const head = m.headers.map((h) => `${h.name}: ${h.value.replace(/\r?\n/g, '\r\n')}\r\n`).join('') + '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), m.body]);
}

export function spamdCheck(config: SpamdConfig): Check {
  const timeouts = { connectMs: config.connect_timeout_seconds * 1000, writeMs: config.write_timeout_seconds * 1000 };
  const totalMs = config.total_timeout_seconds * 1000;
  let pool: ServerPool | undefined;
  const poolFor = (s: Services) => (pool ??= new ServerPool('spamd', config, { clock: s.clock, log: s.log, metrics: s.metrics }));

  const hitsFor = (a: SpamdAnswer): Hit[] => {
    const hits: Hit[] = [];
    const b = config.bands;
    const detail = `${a.score} / ${a.required}`;
    if (a.score >= b.high) hits.push({ symbol: 'SPAMD_HIGH', detail });
    else if (a.score >= b.medium) hits.push({ symbol: 'SPAMD_MEDIUM', detail });
    else if (a.score >= b.low) hits.push({ symbol: 'SPAMD_LOW', detail });
    if (config.rules && a.rules.length > 0) {
      hits.push({ symbol: 'SPAMD_RULES', detail: a.rules.map((r) => (r.points === undefined ? r.name : `${r.name}(${r.points})`)).join(' ') });
    }
    if (config.rule_symbols) {
      for (const r of a.rules) hits.push(r.points === undefined ? { symbol: SPAMD_RULE_PREFIX + r.name } : { symbol: SPAMD_RULE_PREFIX + r.name, detail: `${r.points} in SpamAssassin` });
    }
    return hits;
  };

  const failed = (ctx: CheckContext, reason: string): Hit[] => {
    if (config.failure === 'tempfail') throw new Error(reason);
    ctx.log.warn({ check: 'spamd', err: reason }, 'spamd gave no answer; scoring without it (spamd.failure: open)');
    return [{ symbol: 'SPAMD_FAIL', detail: reason }];
  };

  return {
    name: 'spamd',
    stage: 'eom',
    needsBody: true,
    symbols: SPAMD_SYMBOLS,
    symbolPrefixes: { [SPAMD_RULE_PREFIX]: RULE_SYMBOL },
    timeoutMs: totalMs + ENGINE_MARGIN_MS,
    onFailure: config.failure,
    probe({ services, log }) {
      return poolFor(services).askEach(async (server) => {
        try {
          const status = await pingSpamd(server.endpoint, timeouts.connectMs + 1000);
          log.info({ server: server.name, status }, 'spamd ready');
          return status;
        } catch (err) {
          log.warn({ server: server.name, err: (err as Error).message }, 'spamd did not answer PING');
          return `unavailable: ${(err as Error).message}`;
        }
      });
    },
    async run(ctx) {
      const m = ctx.message;
      const size = m.scannedBytes;
      if (m.truncated || size > config.max_bytes) return [{ symbol: 'SPAMD_TOO_BIG', detail: `${m.truncated ? 'over limits.max_scan_bytes' : `${size} bytes`}` }];
      const p = poolFor(ctx.services);
      const request = spamdRequest(config.command, wholeMessage(m), config.user);
      try {
        const { value } = await withDeadline(totalMs, ctx.signal, (signal) =>
          failover(p, new Set(), signal, ctx.log, async (server) => ({ value: await askSpamd(server.endpoint, request, config.command, timeouts, signal), outcome: 'ok' })),
        );
        return hitsFor(value);
      } catch (err) {
        return failed(ctx, (err as Error).message);
      }
    },
  };
}
