import type { Logger } from 'pino';
import type { ClamavConfig } from '../../config/clamav.js';
import type { Check, CheckContext, Hit, SymbolDef } from '../../engine/check.js';
import type { Outcome } from '../../engine/result.js';
import type { Message } from '../../message/message.js';
import { clamdCommand, InstreamScan, leaseOutcomeOf, serverFault, type ClamdTimeouts, type ClamdVerdict } from '../../scanners/clamd.js';
import { ClamdSessions } from '../../scanners/clamd-session.js';
import { ScannerError } from '../../scanners/connect.js';
import { failover, withDeadline } from '../../scanners/failover.js';
import { ServerPool, type PoolServer } from '../../scanners/pool.js';
import type { Services } from '../../scan/services.js';
import { heuristicSymbol, safeVirusName } from './names.js';
import { StreamingScan } from './stream.js';

// Virus scanning with clamd. The message streams to clamd while the MTA sends it (openBody);
// at end of message `run` collects the answer. A virus is an outcome of its own (the virus
// action), not a score; heuristic results are scored symbols. When no server answers, the
// failure policy decides: open adds CLAMAV_FAIL, tempfail defers the message.

export const CLAMAV_SYMBOLS: Record<string, SymbolDef> = {
  CLAMAV_VIRUS: { score: 0, description: 'ClamAV found a virus (the virus action applies: reject by default)' },
  CLAMAV_ENCRYPTED: { score: 1, description: 'ClamAV heuristic: an encrypted archive or document it could not look into' },
  CLAMAV_MACROS: { score: 2, description: 'ClamAV heuristic: an Office document with macros' },
  CLAMAV_LIMITS: { score: 0.5, description: 'ClamAV heuristic: a scan limit of clamd was reached (archive too deep or large)' },
  CLAMAV_PHISHING: { score: 4, description: 'ClamAV heuristic or signature: phishing' },
  CLAMAV_HEURISTIC: { score: 2, description: 'ClamAV heuristic: another suspicious finding (Heuristics.*)' },
  CLAMAV_TRUNCATED: { score: 0, description: 'Message larger than clamav.max_bytes: only its start was scanned for viruses' },
  CLAMAV_FAIL: { score: 0, description: 'No clamd server answered; the message was not scanned for viruses (failure policy open)' },
};

/** The whole scan at most takes the total limit; the engine's own limit is a little later, so CLAMAV_FAIL is ours to say. */
const ENGINE_MARGIN_MS = 2000;

interface ScanAnswer {
  verdict: ClamdVerdict;
  server: PoolServer;
  /** Bytes sent, when the limit cut the message. */
  truncatedAt?: number;
}

export function clamavCheck(config: ClamavConfig): Check {
  const timeouts: ClamdTimeouts = { connectMs: config.connect_timeout_seconds * 1000, writeMs: config.write_timeout_seconds * 1000 };
  const totalMs = config.total_timeout_seconds * 1000;
  const streams = new WeakMap<Message, StreamingScan>();
  const versions = new Map<PoolServer, string>();
  const sessions = new Map<PoolServer, ClamdSessions>();
  let pool: ServerPool | undefined;

  /** The kept session connections of one server, as many as it may scan at once. */
  const sessionsOf = (server: PoolServer): ClamdSessions => {
    let kept = sessions.get(server);
    if (!kept) sessions.set(server, (kept = new ClamdSessions(server.endpoint, config.max_concurrent)));
    return kept;
  };

  /** The latest zVERSION asked of each server, and the servers being asked now. */
  const probes = new Map<PoolServer, Promise<string>>();
  const asking = new Set<PoolServer>();

  /** The pool is made on first use (or at start), with the services of the engine that runs the check. */
  const poolFor = (services: Services, log: Logger): ServerPool => {
    if (pool) return pool;
    const made = new ServerPool('clamd', config, {
      clock: services.clock,
      log: services.log,
      metrics: services.metrics,
      healthCheck: async (server) => {
        const answer = await clamdCommand(server.endpoint, 'PING', timeouts.connectMs);
        if (answer !== 'PONG') throw new ScannerError(`${server.name}: zPING answered ${JSON.stringify(answer)}`);
      },
    });
    pool = made;
    for (const server of made.servers) void probeVersion(server, services, log);
    return made;
  };

  /**
   * zVERSION once per server (and again after it answered without one): logged, exported, named
   * in X-Virus-Scanned. Resolves to the version, or to why there is none.
   */
  const probeVersion = (server: PoolServer, services: Services, log: Logger): Promise<string> => {
    asking.add(server);
    const asked = (async () => {
      try {
        const version = await clamdCommand(server.endpoint, 'VERSION', timeouts.connectMs + 1000);
        if (versions.get(server) !== version) {
          versions.set(server, version);
          services.metrics.scannerVersion('clamd', server.name, version);
          log.info({ server: server.name, version }, 'clamd ready');
        }
        return version;
      } catch (err) {
        log.warn({ server: server.name, err: (err as Error).message }, 'clamd did not answer zVERSION');
        return `unavailable: ${(err as Error).message}`;
      } finally {
        asking.delete(server);
      }
    })();
    probes.set(server, asked);
    return asked;
  };

  const headerBlock = (m: Message): Buffer => {
    const text = m.headers.map((h) => `${h.name}: ${h.value.replace(/\r?\n/g, '\r\n')}\r\n`).join('') + '\r\n';
    const block = Buffer.from(text, 'latin1');
    return block.length <= config.max_bytes ? block : block.subarray(0, config.max_bytes);
  };

  /** The message from the message model, to a server the stream did not use. */
  const resend = async (m: Message, server: PoolServer, signal: AbortSignal): Promise<ScanAnswer> => {
    const head = headerBlock(m);
    const room = Math.max(0, config.max_bytes - head.length);
    const body = m.body.length <= room ? m.body : m.body.subarray(0, room);
    const cut = m.truncated || body.length < m.body.length;
    // A kept connection clamd closed under the scan: once more, on a new one.
    for (let again = true; ; again = false) {
      const scan = await InstreamScan.open(sessionsOf(server), timeouts, head, signal);
      const onAbort = () => scan.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await scan.send(body);
        const verdict = await scan.finish();
        return { verdict, server, ...(cut ? { truncatedAt: head.length + body.length } : {}) };
      } catch (err) {
        if (!(again && scan.stale)) throw err;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
  };

  const scan = async (ctx: CheckContext, p: ServerPool, signal: AbortSignal): Promise<ScanAnswer> => {
    const tried = new Set<PoolServer>();
    let lastError: Error | undefined;
    const stream = streams.get(ctx.message);
    streams.delete(ctx.message);
    if (stream) {
      // The deadline passed while clamd had the message: a failure of that server.
      const onAbort = () => stream.abort(true);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const verdict = await stream.result();
        const fault = serverFault(verdict);
        if (fault !== undefined) throw faultOf(fault, stream.server!);
        const answer: ScanAnswer = { verdict, server: stream.server! };
        if (!stream.complete) answer.truncatedAt = config.max_bytes;
        return answer;
      } catch (err) {
        lastError = err as Error;
        if (stream.stale) {
          ctx.log.info({ scanner: 'clamd', server: stream.server?.name, err: lastError.message }, 'clamd closed a kept connection under the scan; sending the message again');
        } else {
          if (stream.server) tried.add(stream.server);
          ctx.log.warn({ scanner: 'clamd', server: stream.server?.name, err: lastError.message }, 'clamd stream failed; trying the next server');
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
    const { value } = await failover(p, tried, signal, ctx.log, async (server) => {
      const answer = await resend(ctx.message, server, signal);
      const fault = serverFault(answer.verdict);
      if (fault !== undefined) throw faultOf(fault, server);
      return { value: answer, outcome: leaseOutcomeOf(answer.verdict) };
    }, lastError);
    return value;
  };

  const faultOf = (message: string, server: PoolServer): ScannerError => new ScannerError(`${server.name}: clamd: ${message}`);

  const outcomeFor = (name: string): Outcome | undefined => {
    switch (config.action) {
      case 'reject':
        return { family: 'virus', action: 'reject', reply: config.reject_reply.replace(/\{virus\}/g, name) };
      case 'quarantine':
        return { family: 'virus', action: 'quarantine', reason: config.quarantine_reason.replace(/\{virus\}/g, name) };
      case 'discard':
        return { family: 'virus', action: 'discard' };
      case 'tag':
        return undefined;
    }
  };

  const judge = (ctx: CheckContext, answer: ScanAnswer): Hit[] => {
    const { verdict } = answer;
    if (verdict.kind === 'error') {
      const hint = verdict.sizeLimit ? " (clamd's StreamMaxLength is below clamav.max_bytes: lower max_bytes or raise StreamMaxLength)" : '';
      throw new ScannerError(`${answer.server.name}: clamd: ${verdict.message}${hint}`, false);
    }
    const hits: Hit[] = [];
    if (answer.truncatedAt !== undefined) hits.push({ symbol: 'CLAMAV_TRUNCATED', detail: `scanned ${answer.truncatedAt} bytes` });
    const version = versions.get(answer.server) ?? 'ClamAV';
    if (config.scanned_header) ctx.addHeader(config.scanned_header, `${version} (clamd) via Thresher`);
    if (verdict.kind === 'clean') {
      if (config.status_header) ctx.addHeader(config.status_header, 'Clean');
      return hits;
    }
    const name = safeVirusName(verdict.name);
    const heuristic = heuristicSymbol(verdict.name);
    if (heuristic !== undefined && config.heuristics === 'score') {
      if (config.status_header) ctx.addHeader(config.status_header, `Suspicious (${name})`);
      hits.push({ symbol: heuristic, detail: name });
      return hits;
    }
    if (config.status_header) ctx.addHeader(config.status_header, `Infected (${name})`);
    ctx.log.info({ virus: name, server: answer.server.name, action: config.action }, 'virus found');
    const outcome = outcomeFor(name);
    hits.push(outcome ? { symbol: 'CLAMAV_VIRUS', detail: name, outcome } : { symbol: 'CLAMAV_VIRUS', detail: name });
    return hits;
  };

  const headers = [config.status_header, config.scanned_header].filter((n): n is string => n !== null).map((name) => ({ name }));

  return {
    name: 'clamav',
    stage: 'eom',
    probe({ services, log }) {
      // The pool asks every server for its version when it is made.
      return poolFor(services, log).askEach((server) => probes.get(server) ?? probeVersion(server, services, log));
    },
    family: 'virus',
    needsBody: true,
    symbols: CLAMAV_SYMBOLS,
    headers,
    timeoutMs: totalMs + ENGINE_MARGIN_MS,
    onFailure: config.failure,
    openBody(ctx) {
      const p = poolFor(ctx.services, ctx.log);
      // Every server disabled: no stream, and run() applies the failure policy at once.
      if (p.allDisabled) return undefined;
      const head = headerBlock(ctx.message);
      const stream = new StreamingScan(p, sessionsOf, timeouts, head);
      streams.set(ctx.message, stream);
      return {
        name: 'clamav',
        limit: Math.max(0, config.max_bytes - head.length),
        write: (chunk) => stream.write(chunk),
        end: (complete) => stream.end(complete),
        abort: () => {
          streams.delete(ctx.message);
          stream.abort();
        },
      };
    },
    async run(ctx) {
      const p = poolFor(ctx.services, ctx.log);
      let answer: ScanAnswer;
      try {
        answer = await withDeadline(totalMs, ctx.signal, (signal) => scan(ctx, p, signal));
      } catch (err) {
        return failed(ctx, (err as Error).message);
      }
      // Once per server until it tells its version, not once per message meanwhile.
      if (!versions.has(answer.server) && !asking.has(answer.server)) void probeVersion(answer.server, ctx.services, ctx.log);
      try {
        return judge(ctx, answer);
      } catch (err) {
        return failed(ctx, (err as Error).message);
      }
    },
  };

  function failed(ctx: CheckContext, reason: string): Hit[] {
    // tempfail: the engine records the failure and the message is deferred (replies.check_failed).
    if (config.failure === 'tempfail') throw new ScannerError(reason);
    ctx.log.warn({ check: 'clamav', err: reason }, 'virus scan failed; the message passes unscanned (clamav.failure: open)');
    return [{ symbol: 'CLAMAV_FAIL', detail: reason }];
  }
}
