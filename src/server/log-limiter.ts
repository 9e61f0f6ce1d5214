import type { Logger } from 'pino';

/** Time for the limiter: injected so tests step it instead of sleeping. */
export interface LimiterClock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. Must not keep the process alive. */
  schedule(fn: () => void, ms: number): () => void;
}

export const systemClock: LimiterClock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

interface CauseState {
  msg: string;
  /** Events since the last line written for this cause. */
  count: number;
  cancel: () => void;
}

/**
 * Warnings for events a peer can cause by the thousand (refused connections, protocol errors,
 * idle timeouts): one log line per connection would let a misbehaving client flood the log.
 * The first event of a cause is logged at once with its details; while the cause keeps
 * recurring, one line per interval says how many more there were (`repeated`). An interval
 * without any event ends the flood, and the next event is again logged at once.
 */
export class LogLimiter {
  private readonly causes = new Map<string, CauseState>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly clock: LimiterClock = systemClock,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  }

  /** Logs `msg` with `detail` on `log` (a connection's logger) unless `cause` was logged within the interval. */
  warn(cause: string, log: Logger, detail: Record<string, unknown>, msg: string): void {
    const state = this.causes.get(cause);
    if (state) {
      state.count++;
      return;
    }
    log.warn(detail, msg);
    this.causes.set(cause, { msg, count: 0, cancel: this.clock.schedule(() => this.endInterval(cause), this.intervalMs) });
  }

  /** Writes the counts not yet logged (at shutdown, so a flood's tail is not lost). */
  flush(): void {
    for (const [cause, state] of this.causes) {
      state.cancel();
      this.summarise(state);
      this.causes.delete(cause);
    }
  }

  private endInterval(cause: string): void {
    const state = this.causes.get(cause);
    if (!state) return;
    if (state.count === 0) {
      this.causes.delete(cause);
      return;
    }
    this.summarise(state);
    state.count = 0;
    state.cancel = this.clock.schedule(() => this.endInterval(cause), this.intervalMs);
  }

  private summarise(state: CauseState): void {
    if (state.count === 0) return;
    this.log.warn({ repeated: state.count, intervalSeconds: this.intervalMs / 1000 }, state.msg);
  }
}
