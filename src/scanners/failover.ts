import type { Logger } from 'pino';
import { ScannerError } from './connect.js';
import type { LeaseOutcome, PoolServer, ServerPool } from './pool.js';

// The two rules every remote scan follows: one deadline for the whole scan, retries included;
// and a server that fails is skipped for the next one until none is left.

/** Runs `fn` with a signal that aborts after `ms` or with `parent`; rejects at the deadline whatever fn does. */
export async function withDeadline<T>(ms: number, parent: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const onParent = () => controller.abort();
  parent.addEventListener('abort', onParent, { once: true });
  try {
    const work = fn(controller.signal);
    // Once the deadline decides, the work's own late failure is of no interest.
    work.catch(() => undefined);
    const expired = new Promise<never>((_, reject) => {
      const fail = () => reject(new ScannerError(`no answer within ${ms} ms`));
      if (controller.signal.aborted) fail();
      else controller.signal.addEventListener('abort', fail, { once: true });
    });
    expired.catch(() => undefined);
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
  }
}

export interface Attempt<T> {
  value: T;
  /** `refused`: the server answered but gave no result (it stays enabled; not retried). */
  outcome: LeaseOutcome;
}

/**
 * Leases servers in turn (not those in `tried`) until one gives an answer; each failure tells
 * that server's breaker. Throws the last error once no server is left (at once when all are disabled).
 */
export async function failover<T>(
  pool: ServerPool,
  tried: Set<PoolServer>,
  signal: AbortSignal,
  log: Logger,
  attempt: (server: PoolServer) => Promise<Attempt<T>>,
  lastError?: Error,
): Promise<{ value: T; server: PoolServer }> {
  for (;;) {
    let lease;
    try {
      lease = await pool.lease(tried);
    } catch (err) {
      throw lastError ? new ScannerError(`${lastError.message}; ${(err as Error).message}`) : err;
    }
    try {
      const { value, outcome } = await attempt(lease.server);
      lease.done(outcome);
      return { value, server: lease.server };
    } catch (err) {
      // A server that answered with a refusal is alive, and another would refuse alike.
      if (err instanceof ScannerError && !err.serverFault) {
        lease.done('refused');
        throw err;
      }
      lease.done('failed');
      if (signal.aborted) throw err;
      lastError = err as Error;
      tried.add(lease.server);
      log.warn({ scanner: pool.scanner, server: lease.server.name, err: lastError.message }, `${pool.scanner} failed; trying the next server`);
    }
  }
}
