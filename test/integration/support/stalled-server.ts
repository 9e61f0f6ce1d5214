// Scanners that misbehave, for the failure tests: one that is up but never answers (a hung clamd
// or spamd), and one that answers every request with one fixed line (a clamd shutting down).
import net from 'node:net';

export interface FakeScanner {
  /** inet:127.0.0.1:PORT */
  spec: string;
  connections: () => number;
  close(): Promise<void>;
}

/** Listens on a free loopback port and hands each connection to `serve`. */
async function startFakeScanner(options: net.ServerOpts, serve: (s: net.Socket) => void): Promise<FakeScanner> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const srv = net.createServer(options, (s) => {
    count++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    serve(s);
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

/** A server that accepts connections, reads everything and never answers (a stalled scanner). */
export function startStalledServer(): Promise<FakeScanner> {
  // Half-open: a client that ends its side (spamc does) still gets no answer.
  return startFakeScanner({ allowHalfOpen: true }, (s) => s.on('data', () => undefined));
}

/**
 * A scanner that reads the start of each request and answers every connection with one fixed
 * line, then closes: a clamd shutting down answers "PROTOCOL ERROR: ..." to a stream in flight.
 */
export function startFixedAnswerServer(answer: string): Promise<FakeScanner> {
  return startFakeScanner({}, (s) => s.once('data', () => s.end(answer)));
}
