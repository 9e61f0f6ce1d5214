// A scanner that is up but never answers: it accepts connections, reads everything and says
// nothing (a hung clamd or spamd), for the time-limit tests.
import net from 'node:net';

/** A server that accepts connections and never answers (a stalled scanner); returns inet:HOST:PORT. */
export async function startStalledServer(): Promise<{ spec: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  // Half-open: a client that ends its side (spamc does) still gets no answer.
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    count++;
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  return {
    spec: `inet:127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/**
 * A scanner that reads the start of each request and answers every connection with one fixed
 * line, then closes: a clamd shutting down answers "PROTOCOL ERROR: ..." to a stream in flight.
 */
export async function startFixedAnswerServer(answer: string): Promise<{ spec: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const srv = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.once('data', () => s.end(answer));
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  return {
    spec: `inet:127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
