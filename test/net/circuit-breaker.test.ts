import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../src/net/circuit-breaker.js';

function breaker(failures = 3) {
  let now = 1_000_000;
  const changes: string[] = [];
  const b = new CircuitBreaker({
    failures,
    windowMs: 10_000,
    cooldownMs: 30_000,
    now: () => now,
    onChange: (to: BreakerState, from: BreakerState) => changes.push(`${from}->${to}`),
  });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and skips the server during the cool-down', () => {
    const { b, changes } = breaker(3);
    b.failure();
    b.failure();
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    expect(b.available).toBe(false);
    expect(changes).toEqual(['closed->open']);
  });

  it('a success between failures resets the count', () => {
    const { b } = breaker(3);
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
  });

  it('failures further apart than the window do not add up', () => {
    const { b, advance } = breaker(2);
    b.failure();
    advance(10_001);
    b.failure();
    expect(b.state).toBe('closed');
    advance(10_000);
    b.failure();
    expect(b.state).toBe('open');
  });

  it('after the cool-down lets exactly one probe through; its success closes the breaker', () => {
    const { b, advance, changes } = breaker(1);
    b.failure();
    advance(29_999);
    expect(b.allow()).toBe(false);
    advance(1);
    expect(b.available).toBe(true);
    expect(b.allow()).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(false);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it("a failed probe opens it for another full cool-down", () => {
    const { b, advance } = breaker(1);
    b.failure();
    advance(30_000);
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    advance(29_999);
    expect(b.allow()).toBe(false);
    advance(1);
    expect(b.allow()).toBe(true);
  });
});
