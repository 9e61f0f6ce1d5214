import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsObserver } from '../scan/services.js';
import { VERSION } from '../version.js';

// The metrics observer as Prometheus metrics (prom-client). Labels are bounded sets only:
// actions, stages, check and symbol names, never addresses or message ids.

/** Milliseconds to seconds: a content check takes well under a millisecond, a scanner seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface PrometheusMetrics extends MetricsObserver {
  readonly registry: Registry;
}

export function prometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'thresher_' });
  const registers = [registry];
  new Gauge({ name: 'thresher_build_info', help: 'Thresher version and Node.js runtime; always 1.', labelNames: ['version', 'node'], registers, aggregator: 'first' }).set({ version: VERSION, node: process.version }, 1);
  const messages = new Counter({ name: 'thresher_messages_total', help: 'Messages decided, by action.', labelNames: ['action'], registers });
  const messageSeconds = new Histogram({ name: 'thresher_message_duration_seconds', help: 'From the end of the body to the verdict.', buckets: BUCKETS, registers });
  const stageSeconds = new Histogram({ name: 'thresher_stage_duration_seconds', help: 'Checks of an early stage (connect, helo, mail, rcpt), until the answer.', labelNames: ['stage'], buckets: BUCKETS, registers });
  const checkSeconds = new Histogram({ name: 'thresher_check_duration_seconds', help: 'One check on one message.', labelNames: ['check'], buckets: BUCKETS, registers });
  const checkFailures = new Counter({ name: 'thresher_check_failures_total', help: 'Checks that failed or ran out of time, by check and outcome.', labelNames: ['check', 'outcome'], registers });
  const symbols = new Counter({ name: 'thresher_symbol_hits_total', help: 'Symbols in verdicts, by name.', labelNames: ['symbol'], registers });
  const open = new Gauge({ name: 'thresher_connections', help: 'MTA connections open now.', registers });
  const connections = new Counter({ name: 'thresher_connections_total', help: 'MTA connections accepted.', registers });
  const refused = new Counter({ name: 'thresher_connections_refused_total', help: 'MTA connections refused, by limit.', labelNames: ['reason'], registers });
  const learned = new Counter({ name: 'thresher_bayes_learned_total', help: 'Messages learned by Bayes, by class.', labelNames: ['label'], registers });
  const scannerUp = new Gauge({ name: 'thresher_scanner_server_state', help: "A scanner server's circuit breaker: 0 closed (in use), 1 half-open (one probe), 2 open (disabled).", labelNames: ['scanner', 'server'], registers, aggregator: 'max' });
  const scannerInfo = new Gauge({ name: 'thresher_scanner_server_info', help: 'The version a scanner server reported (clamd zVERSION); always 1.', labelNames: ['scanner', 'server', 'version'], registers, aggregator: 'first' });
  const versions = new Map<string, string>();
  return {
    registry,
    check(name, seconds, outcome) {
      checkSeconds.observe({ check: name }, seconds);
      if (outcome !== 'ok') checkFailures.inc({ check: name, outcome });
    },
    stage(stage, seconds) {
      stageSeconds.observe({ stage }, seconds);
    },
    verdict(action, seconds, names) {
      messages.inc({ action });
      messageSeconds.observe(seconds);
      for (const { name } of names) symbols.inc({ symbol: name });
    },
    connection(event, reason) {
      if (event === 'open') {
        open.inc();
        connections.inc();
      } else if (event === 'close') open.dec();
      else refused.inc({ reason: reason ?? 'limit' });
    },
    learned(label) {
      learned.inc({ label });
    },
    scannerState(scanner, server, state) {
      scannerUp.set({ scanner, server }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
    },
    scannerVersion(scanner, server, version) {
      // One version per server: the one it reported last (clamd's database version moves daily).
      const key = `${scanner} ${server}`;
      const before = versions.get(key);
      if (before !== undefined && before !== version) scannerInfo.remove({ scanner, server, version: before });
      versions.set(key, version);
      scannerInfo.set({ scanner, server, version }, 1);
    },
  };
}

/** In a worker process: answer the primary's requests for metrics with this registry. */
export function shareWithPrimary(metrics: PrometheusMetrics): void {
  AggregatorRegistry.setRegistries([metrics.registry]);
}

/** In the primary: every worker's metrics, summed (gauges such as build info take the first). */
export function clusterMetricsSource(): () => Promise<{ body: string; contentType: string }> {
  const aggregator = new AggregatorRegistry();
  return async () => ({ body: await aggregator.clusterMetrics(), contentType: aggregator.contentType });
}
