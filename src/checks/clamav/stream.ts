import type { ClamdTimeouts, ClamdVerdict } from '../../scanners/clamd.js';
import { InstreamScan, leaseOutcomeOf } from '../../scanners/clamd.js';
import type { ClamdSessions } from '../../scanners/clamd-session.js';
import type { Lease, PoolServer, ServerPool } from '../../scanners/pool.js';

// One message's scan, streamed: the connection opens when the body starts (end of headers),
// the headers go first (clamd needs the whole message to decode MIME), then each body chunk
// as the MTA sends it. At end of message only clamd's own finishing time is left to wait for.
// Nothing here throws into the body tee: a broken stream is recorded, and the check decides
// at end of message (another server gets the message from the message model).

export class StreamingScan {
  private session: InstreamScan | undefined;
  private lease: Lease | undefined;
  private broken: Error | undefined;
  private aborted = false;
  private readonly ready: Promise<void>;
  private answer: Promise<ClamdVerdict> | undefined;
  /** False when the sink's limit cut the body. */
  complete = true;

  constructor(pool: ServerPool, sessionsOf: (server: PoolServer) => ClamdSessions, timeouts: ClamdTimeouts, headerBlock: Buffer) {
    this.ready = this.start(pool, sessionsOf, timeouts, headerBlock);
  }

  /** It failed on a kept connection clamd had closed: not the server's fault, and it may be tried again. */
  get stale(): boolean {
    return this.session?.stale ?? false;
  }

  /** The server the stream went to (tried already, if it failed). */
  get server(): PoolServer | undefined {
    return this.lease?.server;
  }

  write(chunk: Buffer): void | Promise<void> {
    if (this.broken || this.aborted) return;
    if (this.session) return this.send(chunk);
    return this.ready.then(() => (this.session && !this.broken ? this.send(chunk) : undefined));
  }

  /** The body is over: the terminating chunk goes now, so clamd finishes while other checks run. */
  end(complete: boolean): void {
    this.complete = complete;
    this.answer = this.ready.then(async () => {
      if (this.broken || !this.session || this.aborted) throw this.broken ?? new Error(this.aborted ? 'stream abandoned' : 'stream not open');
      return this.session.finish();
    });
    // Read by result(); a stream abandoned before it is not an unhandled rejection.
    this.answer.catch(() => undefined);
  }

  /** clamd's answer for the streamed message; the lease is settled by the outcome. */
  async result(): Promise<ClamdVerdict> {
    if (!this.answer) throw new Error('the body stream did not end');
    try {
      const verdict = await this.answer;
      this.lease?.done(leaseOutcomeOf(verdict));
      return verdict;
    } catch (err) {
      this.lease?.done(this.stale ? 'stale' : 'failed');
      throw err;
    }
  }

  /**
   * Lets the connection and its slot go. `serverFault`: the deadline passed waiting for the
   * server (its breaker counts it); otherwise the message ended (the MTA or client went away)
   * and the server did nothing wrong, so its slot (and a half-open probe) is freed as a success.
   */
  abort(serverFault = false): void {
    this.aborted = true;
    this.session?.abort();
    this.lease?.done(serverFault ? 'failed' : 'ok');
  }

  private async start(pool: ServerPool, sessionsOf: (server: PoolServer) => ClamdSessions, timeouts: ClamdTimeouts, headerBlock: Buffer): Promise<void> {
    try {
      this.lease = await pool.lease();
    } catch (err) {
      this.broken = err as Error;
      return;
    }
    // Abandoned while waiting for a slot: give it back at once.
    if (this.aborted) return this.lease.done('ok');
    try {
      this.session = await InstreamScan.open(sessionsOf(this.lease.server), timeouts, headerBlock);
    } catch (err) {
      this.broken = err as Error;
      this.lease.done('failed');
      return;
    }
    if (this.aborted) {
      this.session.abort();
      this.lease.done('ok');
    }
  }

  private send(chunk: Buffer): void | Promise<void> {
    return this.session!.send(chunk)?.catch((err: Error) => this.fail(err));
  }

  private fail(err: Error): void {
    this.broken ??= err;
    this.session?.abort();
    this.lease?.done(this.stale ? 'stale' : 'failed');
  }
}
