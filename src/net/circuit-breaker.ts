// A circuit breaker per remote server (clamd, spamd, a DNS list): after `failures` consecutive
// failures (within `windowMs` of each other) the server is skipped for `cooldownMs`, so a dead
// dependency costs nothing instead of a time-out per message. After the cool-down exactly one
// caller is let through as a probe (half-open): its success closes the breaker, its failure
// opens it for another cool-down. The model is rspamd's upstreams ("4 errors in 10 s") and
// SmarterMail's "failures before disable".

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** Failures further apart than this do not add up (a failure a day is not an outage). */
  windowMs: number;
  /** How long an open breaker skips the server before one probe is let through. */
  cooldownMs: number;
  /** Milliseconds; the injected clock in checks, so tests drive time. */
  now: () => number;
  /** Called once per change of state (log it once, export it as a metric). */
  onChange?: (to: BreakerState, from: BreakerState) => void;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private count = 0;
  private lastFailure = 0;
  private openedAt = 0;
  private probing = false;

  constructor(private readonly o: BreakerOptions) {
    if (!(o.failures >= 1)) throw new Error('circuit breaker: failures must be at least 1');
  }

  get state(): BreakerState {
    return this.current;
  }

  /**
   * May a request go to the server now? An open breaker whose cool-down is over turns
   * half-open and lets exactly this caller through as the probe; everyone else waits for the
   * probe's outcome.
   */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.o.now() - this.openedAt < this.o.cooldownMs) return false;
      this.move('half-open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** True when a request would be let through now, without claiming the probe. */
  get available(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') return this.o.now() - this.openedAt >= this.o.cooldownMs;
    return !this.probing;
  }

  success(): void {
    this.count = 0;
    this.probing = false;
    if (this.current !== 'closed') this.move('closed');
  }

  failure(): void {
    const now = this.o.now();
    this.probing = false;
    if (this.current === 'half-open') {
      this.open(now);
      return;
    }
    if (this.current === 'open') return;
    this.count = now - this.lastFailure > this.o.windowMs ? 1 : this.count + 1;
    this.lastFailure = now;
    if (this.count >= this.o.failures) this.open(now);
  }

  private open(now: number): void {
    this.openedAt = now;
    this.count = 0;
    this.move('open');
  }

  private move(to: BreakerState): void {
    const from = this.current;
    this.current = to;
    this.o.onChange?.(to, from);
  }
}
