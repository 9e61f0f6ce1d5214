/** A listening address in Postfix milter syntax. */
export type ListenSpec = { kind: 'inet'; host: string; port: number } | { kind: 'unix'; path: string };

/** Parses `inet:HOST:PORT`, `inet:[::1]:PORT` or `unix:/path`. */
export function parseListenSpec(spec: string): ListenSpec {
  if (spec.startsWith('unix:')) {
    const path = spec.slice(5);
    if (!path.startsWith('/')) throw new Error(`${spec}: unix socket path must be absolute`);
    return { kind: 'unix', path };
  }
  const m = /^inet:(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(spec);
  if (!m) throw new Error(`${spec}: expected inet:HOST:PORT, inet:[IPv6]:PORT or unix:/path`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`${spec}: port out of range`);
  return { kind: 'inet', host: m[1] ?? m[2]!, port };
}

export function formatListenSpec(s: ListenSpec): string {
  if (s.kind === 'unix') return `unix:${s.path}`;
  return s.host.includes(':') ? `inet:[${s.host}]:${s.port}` : `inet:${s.host}:${s.port}`;
}
