import type { Logger } from 'pino';
import { parseListenSpec, type ListenSpec } from '../config/listen-spec.js';
import type { ScannerSettings } from '../config/scanners.js';
import { CircuitBreaker } from '../net/circuit-breaker.js';
import type { Clock, MetricsObserver } from '../scan/services.js';
import { ScannerError } from './connect.js';
import { Limiter } from './limiter.js';

// The servers of one scanner (clamd or spamd): each with its circuit breaker and its bounded
// number of concurrent scans. A scan leases a server, and fails over to the next one on error.

export interface PoolServer {
  /** As configured, e.g. inet:127.0.0.1:3310: the label in logs and metrics. */
  readonly name: string;
  readonly endpoint: ListenSpec;
  readonly breaker: CircuitBreaker;
  readonly limiter: Limiter;
}

/**
 * How a leased scan went: `refused` means the server answered but would not scan (it is alive);
 * `stale` that a kept connection was closed under the scan (clamd restarted or idled it out):
 * no judgement of a server in use, but a failure of a probe.
 */
export type LeaseOutcome = 'ok' | 'failed' | 'refused' | 'stale';

export interface Lease {
  server: PoolServer;
  /** Call exactly once: frees the slot and tells the breaker. */
  done(outcome: LeaseOutcome): void;
}

export interface PoolServices {
  clock: Clock;
  log: Logger;
  metrics: MetricsObserver;
  /**
   * A cheap health check (clamd's zPING) run before the probe scan of a server coming out of its
   * cool-down: a server still down fails the check, not the message, which goes to the next server.
   */
  healthCheck?: (server: PoolServer) => Promise<void>;
}

export class ServerPool {
  readonly servers: readonly PoolServer[];
  private next = 0;
  private readonly queueWaitMs: number;
  private readonly healthCheck: PoolServices['healthCheck'];

  constructor(
    readonly scanner: string,
    settings: ScannerSettings,
    services: PoolServices,
  ) {
    this.healthCheck = services.healthCheck;
    this.queueWaitMs = settings.queue_wait_seconds * 1000;
    this.servers = settings.servers.map((name) => {
      const breaker = new CircuitBreaker({
        failures: settings.breaker.failures,
        windowMs: settings.breaker.window_seconds * 1000,
        cooldownMs: settings.breaker.cooldown_seconds * 1000,
        now: () => services.clock.now(),
        onChange: (to, from) => {
          services.metrics.scannerState(scanner, name, to);
          const line = { scanner, server: name, from, to };
          if (to === 'open') services.log.warn(line, `${scanner} server disabled after repeated failures`);
          else services.log.info(line, to === 'closed' ? `${scanner} server enabled again` : `${scanner} server probed after its cool-down`);
        },
      });
      services.metrics.scannerState(scanner, name, 'closed');
      return { name, endpoint: parseListenSpec(name), breaker, limiter: new Limiter(settings.max_concurrent) };
    });
  }

  /** Each server's answer to `ask` (a version, a PONG, or why not), by server name: the ready line's. */
  async askEach(ask: (server: PoolServer) => Promise<string>): Promise<Record<string, string>> {
    const answers = await Promise.all(this.servers.map(ask));
    return Object.fromEntries(this.servers.map((server, i) => [server.name, answers[i]!]));
  }

  /** Every server is disabled and cooling down: no scan can be tried now. */
  get allDisabled(): boolean {
    return this.servers.every((s) => !s.breaker.available);
  }

  /**
   * A server for one scan, not one of `tried`: the next enabled one in turn (so load spreads)
   * with a free slot within queue_wait_seconds. Fails at once when every server is disabled.
   */
  async lease(tried: ReadonlySet<PoolServer> = new Set()): Promise<Lease> {
    const n = this.servers.length;
    const start = this.next;
    this.next = (this.next + 1) % Math.max(n, 1);
    let busy = 0;
    let disabled = 0;
    for (let i = 0; i < n; i++) {
      const server = this.servers[(start + i) % n]!;
      if (tried.has(server)) continue;
      if (!server.breaker.available) {
        disabled++;
        continue;
      }
      const slot = server.limiter.acquire(this.queueWaitMs);
      if (!(slot === true || (await slot))) {
        busy++;
        continue;
      }
      // Claimed after the slot: a half-open breaker's single probe is not held by a waiting scan.
      const probing = server.breaker.state !== 'closed';
      if (!server.breaker.allow()) {
        server.limiter.release();
        disabled++;
        continue;
      }
      if (probing && this.healthCheck) {
        try {
          await this.healthCheck(server);
        } catch {
          server.breaker.failure();
          server.limiter.release();
          disabled++;
          continue;
        }
      }
      let settled = false;
      return {
        server,
        done: (outcome) => {
          if (settled) return;
          settled = true;
          server.limiter.release();
          if (outcome === 'failed' || (outcome === 'stale' && server.breaker.state !== 'closed')) server.breaker.failure();
          else if (outcome !== 'stale') server.breaker.success();
        },
      };
    }
    const parts = [disabled > 0 ? `${disabled} disabled` : '', busy > 0 ? `${busy} busy` : '', tried.size > 0 ? `${tried.size} failed` : ''].filter(Boolean);
    throw new ScannerError(`no ${this.scanner} server available (${parts.join(', ') || 'none configured'})`);
  }
}
