import { describe, expect, it } from 'vitest';
import { formatListenSpec, parseListenSpec } from '../../src/config/listen-spec.js';
import { parseConfig } from '../../src/config/load.js';

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
    for (const s of ['127.0.0.1:11332', 'inet:::1:25', 'inet:host:99999', 'unix:relative.sock', 'local:/x', 'inet:[1:2]:25', 'unix:/a b']) {
      expect(() => parseListenSpec(s)).toThrow();
    }
  });
});

describe('listen specs in the config schema', () => {
  it('refuses what serve would refuse, naming the value', () => {
    for (const [spec, problem] of [
      ['inet:127.0.0.1:99999', 'port 99999 out of range'],
      ['unix:relative.sock', 'unix socket path must be absolute'],
      ['inet:[1:2]:25', '\\[1:2\\] is not an IPv6 address'],
    ] as const) {
      expect(() => parseConfig({ listen: [spec] }), spec).toThrow(new RegExp(`listen\\.0: ${problem}.*${spec.replace(/[[\]]/g, '\\$&')}`));
    }
    expect(parseConfig({ listen: ['inet:[::1]:0', 'unix:/run/thresher.sock'] }).listen).toHaveLength(2);
  });
});
