// The body tee: every body chunk, as the MTA sends it, goes to each attached sink (DKIM
// hashing, a virus scanner's stream, a quarantine spool) whole and in order, each up to its
// own limit, while the message model keeps only the scanned part.
//
// Memory stays bounded by back-pressure, not buffering: a sink that cannot take more returns a
// promise from write(), and the tee does not take the next chunk until it settles. A front end
// waits for the tee before it answers the chunk, so the MTA itself waits (a milter MTA sends
// the next BODY only after our reply). A sink that stalls longer than the tee's limit, or
// throws, is dropped and recorded as a failure; the others go on.

export interface BodySink {
  /** The check it belongs to: failures are recorded under this name. */
  readonly name: string;
  /** Most body bytes it takes; what comes after is not sent, and end() is told so. */
  readonly limit: number;
  /** Takes a chunk (a view: keep it, do not modify it). A promise: take nothing more until it settles. */
  write(chunk: Buffer): void | Promise<void>;
  /** The body is over; `complete` is false when the sink's limit cut it. */
  end(complete: boolean): void | Promise<void>;
  /** The message was abandoned or the sink failed: release what it holds. */
  abort(reason: string): void;
}

export interface SinkFailure {
  name: string;
  reason: string;
}

interface Attached {
  sink: BodySink;
  written: number;
  /** Bytes not taken because of the limit. */
  cut: boolean;
  failed: boolean;
}

export class BodyTee {
  private readonly sinks: Attached[] = [];
  readonly failures: SinkFailure[] = [];
  private ended = false;

  /** @param stallMs how long one write() or end() may keep the tee waiting before its sink is dropped. */
  constructor(private readonly stallMs: number) {}

  attach(sink: BodySink): void {
    this.sinks.push({ sink, written: 0, cut: false, failed: false });
  }

  /** True while some sink still takes bytes: the front end must not skip the rest of the body. */
  get wantsMore(): boolean {
    return !this.ended && this.sinks.some((a) => !a.failed && a.written < a.sink.limit);
  }

  get size(): number {
    return this.sinks.length;
  }

  /** Hands a chunk to every sink; a promise when some sink applies back-pressure. */
  write(chunk: Buffer): void | Promise<void> {
    let pending: Promise<void>[] | undefined;
    for (const a of this.sinks) {
      if (a.failed) continue;
      const room = a.sink.limit - a.written;
      if (room <= 0) {
        if (chunk.length > 0) a.cut = true;
        continue;
      }
      const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
      if (piece.length < chunk.length) a.cut = true;
      a.written += piece.length;
      const p = this.guard(a, () => a.sink.write(piece));
      if (p) (pending ??= []).push(p);
    }
    return pending ? Promise.all(pending).then(() => undefined) : undefined;
  }

  /** The body is complete: tells every sink and waits for them (each within the stall limit). */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await Promise.all(this.sinks.filter((a) => !a.failed).map((a) => this.guard(a, () => a.sink.end(!a.cut))));
  }

  /** The message was abandoned: every sink lets go. */
  abort(reason: string): void {
    this.ended = true;
    for (const a of this.sinks) {
      if (a.failed) continue;
      a.failed = true;
      safely(() => a.sink.abort(reason));
    }
  }

  /** Runs a sink call; a throw, a rejection or a stall drops the sink and is recorded. */
  private guard(a: Attached, call: () => void | Promise<void>): Promise<void> | undefined {
    let result: void | Promise<void>;
    try {
      result = call();
    } catch (err) {
      this.fail(a, (err as Error).message);
      return undefined;
    }
    if (!(result instanceof Promise)) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.fail(a, `stalled for ${this.stallMs} ms`);
        resolve();
      }, this.stallMs);
    });
    return Promise.race([
      result.then(
        () => undefined,
        (err: unknown) => this.fail(a, err instanceof Error ? err.message : String(err)),
      ),
      stalled,
    ]).finally(() => clearTimeout(timer));
  }

  private fail(a: Attached, reason: string): void {
    if (a.failed) return;
    a.failed = true;
    this.failures.push({ name: a.sink.name, reason });
    safely(() => a.sink.abort(reason));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A sink that fails while letting go has nothing more to lose; the failure is already recorded.
  }
}
