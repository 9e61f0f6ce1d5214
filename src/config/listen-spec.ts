import { isIP } from 'node:net';

/** A listening address in Postfix milter syntax. */
export type ListenSpec = { kind: 'inet'; host: string; port: number } | { kind: 'unix'; path: string };

const SYNTAX = 'expected inet:HOST:PORT, inet:[IPv6]:PORT or unix:/absolute/path';

/**
 * Reads `inet:HOST:PORT`, `inet:[::1]:PORT` or `unix:/path`, or says what is wrong with it.
 * The config schema and `serve --listen` both judge with this, so `config check` refuses
 * exactly what `serve` would refuse.
 */
export function readListenSpec(spec: string): { spec: ListenSpec } | { problem: string } {
  if (spec.startsWith('unix:')) {
    const path = spec.slice(5);
    // A relative path would depend on the directory serve was started from (systemd: /).
    if (!path.startsWith('/')) return { problem: 'unix socket path must be absolute' };
    if (/\s/.test(path)) return { problem: 'unix socket path must not contain white space' };
    return { spec: { kind: 'unix', path } };
  }
  const m = /^inet:(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(spec);
  if (!m) return { problem: SYNTAX };
  if (m[1] !== undefined && isIP(m[1]) !== 6) return { problem: `[${m[1]}] is not an IPv6 address` };
  const port = Number(m[3]);
  if (port > 65535) return { problem: `port ${port} out of range (0 to 65535)` };
  return { spec: { kind: 'inet', host: m[1] ?? m[2]!, port } };
}

/** As readListenSpec, throwing an Error that names the spec. */
export function parseListenSpec(spec: string): ListenSpec {
  const r = readListenSpec(spec);
  if ('problem' in r) throw new Error(`${spec}: ${r.problem}`);
  return r.spec;
}

export function formatListenSpec(s: ListenSpec): string {
  if (s.kind === 'unix') return `unix:${s.path}`;
  return s.host.includes(':') ? `inet:[${s.host}]:${s.port}` : `inet:${s.host}:${s.port}`;
}
