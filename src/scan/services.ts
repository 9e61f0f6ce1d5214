import type { Logger } from 'pino';
import type { Resolver } from '../dns/resolver.js';
import type { KeyValueStore } from '../store/kv.js';

// What checks are given instead of reaching for globals: so a test can drive time, answer DNS
// from a zone of its own, and read what was measured.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What the pipeline reports as it works; the Prometheus exporter is one implementation. */
export interface MetricsObserver {
  /** One check ran: its outcome and how long it took. */
  check(name: string, seconds: number, outcome: 'ok' | 'failed' | 'timeout'): void;
  /** One stage of one message was answered. */
  stage(stage: string, seconds: number): void;
  /** One message was decided (an observer reads the symbols' names only: a bounded set). */
  verdict(action: string, seconds: number, symbols: readonly { name: string }[]): void;
  /** An MTA connection opened or closed, or was refused (by which limit). */
  connection(event: 'open' | 'close' | 'refused', reason?: string): void;
  /** Bayes learned a message (autolearn or a learn command). */
  learned(label: 'spam' | 'ham'): void;
  /** A scanner server's circuit breaker changed state (clamd, spamd; `server` as configured). */
  scannerState(scanner: string, server: string, state: 'closed' | 'open' | 'half-open'): void;
  /** A scanner server said which version it runs (clamd's zVERSION). */
  scannerVersion(scanner: string, server: string, version: string): void;
}

export const noMetrics: MetricsObserver = {
  check() {},
  stage() {},
  verdict() {},
  connection() {},
  learned() {},
  scannerState() {},
  scannerVersion() {},
};

export interface Services {
  resolver: Resolver;
  store: KeyValueStore;
  clock: Clock;
  /** The process's logger; checks log through the per-message child in their context. */
  log: Logger;
  metrics: MetricsObserver;
}
