import { describe, expect, it } from 'vitest';
import { formatListenSpec, parseListenSpec } from '../../src/server/listen-spec.js';

describe('listen specs in Postfix syntax', () => {
  it('parses inet, inet6 and unix', () => {
    expect(parseListenSpec('inet:127.0.0.1:11332')).toEqual({ kind: 'inet', host: '127.0.0.1', port: 11332 });
    expect(parseListenSpec('inet:localhost:25')).toEqual({ kind: 'inet', host: 'localhost', port: 25 });
    expect(parseListenSpec('inet:[::1]:11332')).toEqual({ kind: 'inet', host: '::1', port: 11332 });
    expect(parseListenSpec('unix:/run/thresher/milter.sock')).toEqual({ kind: 'unix', path: '/run/thresher/milter.sock' });
  });
  it('round-trips', () => {
    for (const s of ['inet:127.0.0.1:1', 'inet:[::1]:2', 'unix:/tmp/x.sock']) expect(formatListenSpec(parseListenSpec(s))).toBe(s);
  });
  it('refuses what Postfix would not take', () => {
    for (const s of ['127.0.0.1:11332', 'inet:::1:25', 'inet:host:99999', 'unix:relative.sock', 'local:/x']) {
      expect(() => parseListenSpec(s)).toThrow();
    }
  });
});
