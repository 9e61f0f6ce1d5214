import type { Logger } from 'pino';
import type { DnsListConfig, DnsblConfig } from '../../config/dnsbl.js';
import { DnsError, type Resolver } from '../../dns/resolver.js';
import { CircuitBreaker } from '../../net/circuit-breaker.js';
import { AnswerReader } from './answers.js';
import { reversedName } from '../../dns/reverse-name.js';

// One DNS list at run time: how to ask it, what its answers mean, whether it is healthy (its
// probe) and whether it is failing (its circuit breaker). Shared by every message.

export type ListOutcome =
  | { kind: 'listed'; listed: { symbol: string; code: string }[] }
  | { kind: 'clean' }
  /** The list failed for this lookup: an error code, a time-out, SERVFAIL, a spent budget. */
  | { kind: 'failed'; reason: string }
  /** Not asked: its breaker is open or its probe failed. */
  | { kind: 'skipped'; reason: string };

export interface ListEnv {
  /** The message's view of the resolver (its budget). */
  resolver: Resolver;
  /** The shared resolver, for probes (not charged to a message) and the zone's negative TTL. */
  shared: Resolver & { learnNegativeTtl?(zone: string): Promise<number | undefined> };
  clock: { now(): number };
  log: Logger;
}

const DEFAULT_IP_PROBE = { listed: '2.0.0.127', unlisted: '1.0.0.127' };

export class DnsList {
  readonly reader: AnswerReader;
  private breaker: CircuitBreaker | undefined;
  private probe: { at: number; health: Promise<string | undefined> } | undefined;
  private readonly probeNames: { listed: string; unlisted: string } | undefined;

  constructor(
    readonly config: DnsListConfig,
    readonly kind: 'ip' | 'domain',
    private readonly settings: Pick<DnsblConfig, 'breaker' | 'probe_interval_seconds'>,
  ) {
    this.reader = new AnswerReader(config);
    this.probeNames = config.probe === null ? undefined : (config.probe ?? (kind === 'ip' ? DEFAULT_IP_PROBE : undefined));
  }

  get zone(): string {
    return this.config.zone;
  }

  /** The name asked for an address (ip lists) or a domain (domain lists); undefined: not asked. */
  queryName(subject: string): string | undefined {
    if (this.kind === 'domain') return `${subject}.${this.zone}`;
    if (!this.config.ipv6 && subject.includes(':') && !subject.includes('.')) return undefined;
    return reversedName(subject, this.zone);
  }

  /** Starts the lookup (and the probe if due) so its answer is cached by the time it is asked for. */
  prefetch(subject: string, env: ListEnv): void {
    void this.health(env);
    const name = this.queryName(subject);
    if (name !== undefined && this.breakerOf(env).available) env.resolver.a(name).catch(() => undefined);
  }

  async ask(subject: string, env: ListEnv): Promise<ListOutcome> {
    const name = this.queryName(subject);
    if (name === undefined) return { kind: 'clean' };
    const breaker = this.breakerOf(env);
    if (!breaker.available) return { kind: 'skipped', reason: 'circuit open after repeated failures' };
    // The lookup and the probe run side by side: with DNS down the message waits for one time-out, not two.
    const lookup = env.resolver.a(name).then(
      (answers) => ({ answers }),
      (err: unknown) => ({ code: err instanceof DnsError ? err.code : 'EUNKNOWN' }),
    );
    const unhealthy = await this.health(env);
    if (unhealthy !== undefined) return { kind: 'skipped', reason: unhealthy };
    if (!breaker.allow()) return { kind: 'skipped', reason: 'circuit open after repeated failures' };
    const result = await lookup;
    if ('code' in result) {
      // A spent budget is this message's limit, not the list's fault.
      if (result.code === 'EBUDGET') breaker.success();
      else breaker.failure();
      return { kind: 'failed', reason: result.code };
    }
    const answers = result.answers;
    const reading = this.reader.read(answers);
    if (reading.errors.length > 0) {
      breaker.failure();
      env.log.warn({ list: this.zone, codes: reading.errors }, 'DNS list answered an error code, not a listing (queries through a public resolver, or over the free limit?)');
      return { kind: 'failed', reason: `error code ${reading.errors.join(',')}` };
    }
    breaker.success();
    return reading.listed.length > 0 ? { kind: 'listed', listed: reading.listed } : { kind: 'clean' };
  }

  /** Why the list is not to be used (its probe failed), or undefined; probes again every interval. */
  private health(env: ListEnv): Promise<string | undefined> {
    if (this.probeNames === undefined) return Promise.resolve(undefined);
    const now = env.clock.now();
    if (this.probe === undefined || now - this.probe.at >= this.settings.probe_interval_seconds * 1000) {
      const previous = this.probe;
      this.probe = { at: now, health: this.runProbe(this.probeNames, env) };
      void this.probe.health.then((problem) => {
        if (problem !== undefined) env.log.warn({ list: this.zone, problem }, 'DNS list failed its health probe: not used until a later probe passes');
        else if (previous !== undefined) void previous.health.then((was) => was !== undefined && env.log.info({ list: this.zone }, 'DNS list passed its health probe again'));
      });
    }
    return this.probe.health;
  }

  private async runProbe(names: { listed: string; unlisted: string }, env: ListEnv): Promise<string | undefined> {
    void env.shared.learnNegativeTtl?.(this.zone).catch(() => undefined);
    try {
      const [listed, unlisted] = await Promise.all([env.shared.a(`${names.listed}.${this.zone}`), env.shared.a(`${names.unlisted}.${this.zone}`)]);
      const l = this.reader.read(listed);
      const u = this.reader.read(unlisted);
      if (l.errors.length > 0 || u.errors.length > 0) return `answers error code ${[...l.errors, ...u.errors].join(',')}`;
      if (l.listed.length === 0) return `${names.listed} is not listed`;
      if (u.listed.length > 0) return `${names.unlisted} is listed (the list answers for everything)`;
      return undefined;
    } catch {
      // The probe could not be asked: the breaker judges the list by its lookups.
      return undefined;
    }
  }

  private breakerOf(env: ListEnv): CircuitBreaker {
    const b = this.settings.breaker;
    this.breaker ??= new CircuitBreaker({
      failures: b.failures,
      windowMs: b.window_seconds * 1000,
      cooldownMs: b.cooldown_seconds * 1000,
      now: () => env.clock.now(),
      onChange: (to) => env.log[to === 'open' ? 'warn' : 'info']({ list: this.zone, breaker: to }, to === 'open' ? 'DNS list skipped after repeated failures' : 'DNS list circuit breaker changed state'),
    });
    return this.breaker;
  }
}
