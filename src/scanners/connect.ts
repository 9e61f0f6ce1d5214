import net from 'node:net';
import type { ListenSpec } from '../config/listen-spec.js';

// Opening a connection to a scanner server (TCP or unix socket) within a time limit.

export class ScannerError extends Error {
  /** False when the server answered, but not with a scan (a refusal): it stays enabled. */
  readonly serverFault: boolean;
  constructor(message: string, serverFault = true) {
    super(message);
    this.serverFault = serverFault;
  }
}

export function describeEndpoint(e: ListenSpec): string {
  return e.kind === 'unix' ? `unix:${e.path}` : e.host.includes(':') ? `inet:[${e.host}]:${e.port}` : `inet:${e.host}:${e.port}`;
}

/** Connects, or fails with a ScannerError once `timeoutMs` passes or `signal` aborts. */
export function connectTo(e: ListenSpec, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = e.kind === 'unix' ? net.connect({ path: e.path }) : net.connect({ host: e.host, port: e.port });
    const fail = (why: string) => {
      cleanup();
      socket.destroy();
      reject(new ScannerError(`${describeEndpoint(e)}: ${why}`));
    };
    const onError = (err: Error) => fail(`connect: ${err.message}`);
    const onAbort = () => fail('connect: aborted');
    const timer = setTimeout(() => fail(`connect: no connection within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
