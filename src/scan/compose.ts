import type { Logger } from 'pino';
import { builtinChecks } from '../checks/index.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { SystemResolver } from '../dns/resolver.js';
import { Engine } from '../engine/engine.js';
import { PolicyBook } from '../policy/policies.js';
import type { KeyValueStore } from '../store/kv.js';
import { MemoryKeyValueStore } from '../store/memory-kv.js';
import type { TokenStore } from '../store/tokens.js';
import { Background, type Pipeline } from './pipeline.js';
import { noMetrics, systemClock, type Services } from './services.js';

// Composition: the one place that builds checks, policies and services from the configuration.
// The CLI, the server, the tests and the benchmark all build their pipeline here.

/** How long a body sink may hold the body back before it is dropped (BodyTee). */
const BODY_STALL_MS = 30_000;
/** Per DNS query and try, until the DNS issue brings its own settings. */
const DNS_TIMEOUT_MS = 2000;

export interface ServiceParts {
  log: Logger;
  /** config `dns.servers`; default: the system's. */
  dnsServers?: readonly string[];
  store?: KeyValueStore;
  services?: Partial<Services>;
}

/** The services checks are given; what is not supplied gets its plain default. */
export function createServices(parts: ServiceParts): Services {
  return {
    resolver: new SystemResolver({ timeoutMs: DNS_TIMEOUT_MS, tries: 2, ...(parts.dnsServers ? { servers: parts.dnsServers } : {}) }),
    store: parts.store ?? new MemoryKeyValueStore(),
    clock: systemClock,
    metrics: noMetrics,
    log: parts.log,
    ...parts.services,
  };
}

/**
 * The engine with every registered check, configured. A check that refuses its config
 * (a rule named like a built-in symbol, a score for an unknown symbol) is a ConfigError:
 * the admin sees one line naming it, not a stack trace.
 */
export function createEngine(config: Readonly<Config>, services: Services, source = 'configuration', deps: { tokens?: TokenStore } = {}): Engine {
  try {
    return new Engine(builtinChecks(config, deps), {
      scores: config.scores,
      disabled: config.disabled_symbols,
      checkTimeoutMs: config.limits.check_timeout_seconds * 1000,
      services,
    });
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
}

export interface PipelineOptions {
  services: Services;
  /** Names the configuration in errors (its file). */
  source?: string;
  tokens?: TokenStore;
  /** Learn from verdicts (the server); off for check, eval and the benchmark. */
  learn?: boolean;
  /** Shared across reloads so shutdown waits for all of it. */
  background?: Background;
}

export function createPipeline(config: Readonly<Config>, o: PipelineOptions): Pipeline {
  return {
    engine: createEngine(config, o.services, o.source, { tokens: o.tokens }),
    policies: new PolicyBook(config),
    headers: config.headers,
    limits: { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers, bodyStallMs: BODY_STALL_MS },
    services: o.services,
    learn: o.learn ?? false,
    background: o.background ?? new Background(),
  };
}
