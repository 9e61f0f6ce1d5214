import type { DnsConfig } from '../config/dns.js';
import { CaresTransport } from './cares.js';
import { DnsService } from './service.js';

/** The resolver service as the `dns` config section describes it. */
export function createResolver(c: DnsConfig, clock: { now(): number }): DnsService {
  return new DnsService({
    transport: new CaresTransport({ timeoutMs: c.timeout_ms, tries: c.tries, servers: c.servers }),
    clock,
    queryTimeoutMs: c.timeout_ms * c.tries,
    cache: {
      size: c.cache.size,
      maxTtlSeconds: c.cache.max_ttl_seconds,
      defaultTtlSeconds: c.cache.default_ttl_seconds,
      negativeTtlSeconds: c.cache.negative_ttl_seconds,
      maxNegativeTtlSeconds: c.cache.max_negative_ttl_seconds,
      failureTtlSeconds: c.cache.failure_ttl_seconds,
    },
    budget: { queries: c.budget.queries, ms: c.budget.seconds * 1000 },
  });
}
