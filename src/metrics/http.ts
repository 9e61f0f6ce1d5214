import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

// The Prometheus scrape endpoint: GET /metrics, nothing else. Off by default; on loopback when
// on, because metrics name checks and symbols an outsider has no business reading.

export interface MetricsEndpoint {
  /** host:port actually bound. */
  address: string;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(listen: string, render: () => Promise<{ body: string; contentType: string }>, log: Logger): Promise<MetricsEndpoint> {
  const { host, port } = parseHostPort(listen);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    render().then(
      ({ body, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: unknown) => {
        log.error({ err: (err as Error).message }, 'metrics could not be rendered');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.on('error', (err) => log.error({ err: err.message }, 'metrics listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    address: `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** "127.0.0.1:9332" or "[::1]:9332" (the schema validates the form). */
export function parseHostPort(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(listen);
  if (!m) throw new RangeError(`expected HOST:PORT or [IPv6]:PORT, got ${JSON.stringify(listen)}`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}
