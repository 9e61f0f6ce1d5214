// A TCP relay in front of a real server that counts the connections made through it and can
// cut them all: the tests see whether a client reuses its connections, and what it does when
// they are closed under it.
import net from 'node:net';

export interface CountingProxy {
  /** inet:127.0.0.1:PORT */
  readonly spec: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Connections open now. */
  open(): number;
  /** The first line each connection sent, up to its first NUL (e.g. "zIDSESSION"). */
  readonly firstCommands: string[];
  /** Closes every open connection (as a server restarting does). */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(port: number, host = '127.0.0.1'): Promise<CountingProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const firstCommands: string[] = [];
  let count = 0;
  const srv = net.createServer((client) => {
    count++;
    const upstream = net.connect({ host, port });
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.once('data', (d: Buffer) => {
      const text = d.toString('latin1');
      firstCommands.push(text.slice(0, Math.max(0, text.indexOf('\0'))));
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port: own } = srv.address() as net.AddressInfo;
  return {
    spec: `inet:127.0.0.1:${own}`,
    connections: () => count,
    open: () => pairs.size,
    firstCommands,
    cutAll: () => {
      for (const [c, u] of pairs) {
        c.destroy();
        u.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        srv.close(() => resolve());
      }),
  };
}
