import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LogLimiter, type LimiterClock } from '../../src/server/log-limiter.js';

interface Line {
  msg: string;
  conn?: number;
  peer?: string;
  repeated?: number;
  intervalSeconds?: number;
}

/** A clock that only moves when told to; scheduled tasks run when their time is reached. */
class ManualClock implements LimiterClock {
  private t = 0;
  private tasks: { at: number; fn: () => void }[] = [];
  now(): number {
    return this.t;
  }
  schedule(fn: () => void, ms: number): () => void {
    const task = { at: this.t + ms, fn };
    this.tasks.push(task);
    return () => {
      this.tasks = this.tasks.filter((x) => x !== task);
    };
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.tasks.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.tasks.length;
  }
}

function setup(intervalMs = 60_000) {
  const lines: Line[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const clock = new ManualClock();
  return { lines, log, clock, limiter: new LogLimiter(log, intervalMs, clock) };
}

describe('LogLimiter', () => {
  it('logs the first event of a cause at once, on the logger given, with its details', () => {
    const { lines, log, limiter } = setup();
    limiter.warn('too many', log.child({ conn: 7 }), { peer: '192.0.2.1' }, 'too many connections; refusing');
    expect(lines).toEqual([expect.objectContaining({ msg: 'too many connections; refusing', conn: 7, peer: '192.0.2.1' })]);
  });

  it('counts repeats within the interval and writes one summary line when it ends', () => {
    const { lines, log, clock, limiter } = setup(60_000);
    for (let i = 0; i < 1000; i++) limiter.warn('too many', log, { peer: `192.0.2.${i % 250}` }, 'too many connections; refusing');
    expect(lines).toHaveLength(1);
    clock.advance(59_999);
    expect(lines).toHaveLength(1);
    clock.advance(1);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ msg: 'too many connections; refusing', repeated: 999, intervalSeconds: 60 });
  });

  it('writes one line per interval while a flood lasts, then logs the next event at once after a quiet interval', () => {
    const { lines, log, clock, limiter } = setup(10_000);
    limiter.warn('idle', log, {}, 'idle timeout; closing connection');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) limiter.warn('idle', log, {}, 'idle timeout; closing connection');
      clock.advance(10_000);
    }
    expect(lines.map((l) => l.repeated)).toEqual([undefined, 5, 5, 5]);
    clock.advance(10_000); // a quiet interval ends the flood
    expect(lines).toHaveLength(4);
    expect(clock.pending).toBe(0);
    limiter.warn('idle', log, { conn: 99 }, 'idle timeout; closing connection');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatchObject({ conn: 99 });
    expect(lines[4]!.repeated).toBeUndefined();
  });

  it('keeps causes apart', () => {
    const { lines, log, clock, limiter } = setup(1000);
    limiter.warn('a', log, {}, 'protocol error; closing connection');
    limiter.warn('b', log, {}, 'per-client connection limit reached; refusing');
    limiter.warn('a', log, {}, 'protocol error; closing connection');
    limiter.warn('a', log, {}, 'protocol error; closing connection');
    expect(lines.map((l) => l.msg)).toEqual(['protocol error; closing connection', 'per-client connection limit reached; refusing']);
    clock.advance(1000);
    expect(lines.slice(2)).toEqual([expect.objectContaining({ msg: 'protocol error; closing connection', repeated: 2 })]);
  });

  it('flush writes the counts not yet logged and cancels its timers', () => {
    const { lines, log, clock, limiter } = setup();
    limiter.warn('a', log, {}, 'idle timeout; closing connection');
    limiter.warn('a', log, {}, 'idle timeout; closing connection');
    limiter.warn('b', log, {}, 'protocol error; closing connection');
    limiter.flush();
    expect(lines.map((l) => [l.msg, l.repeated])).toEqual([
      ['idle timeout; closing connection', undefined],
      ['protocol error; closing connection', undefined],
      ['idle timeout; closing connection', 1],
    ]);
    expect(clock.pending).toBe(0);
  });

  it('refuses an interval that is not positive', () => {
    const { log } = setup();
    expect(() => new LogLimiter(log, 0)).toThrow(RangeError);
    expect(() => new LogLimiter(log, Number.NaN)).toThrow(RangeError);
  });
});
