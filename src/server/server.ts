import cluster from 'node:cluster';
import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Pipeline } from '../scan/pipeline.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { LogLimiter } from './log-limiter.js';
import type { Settings } from './session.js';
import { formatListenSpec, parseListenSpec, type ListenSpec } from '../config/listen-spec.js';
import { wantsFor } from './wants.js';

export interface RunningServer {
  /** The addresses actually bound (port 0 resolved), in Postfix syntax. */
  addresses: string[];
  readonly connectionCount: number;
  /**
   * Swaps checks, policy and headers for the next messages; messages in flight finish with
   * what they started with, and no connection is dropped.
   */
  reload(config: Readonly<Config>, pipeline: Pipeline): void;
  /** Stops accepting, lets messages in flight finish within the grace time, closes the rest. */
  close(): Promise<void>;
}

export interface ServerOptions {
  config: Readonly<Config>;
  pipeline: Pipeline;
  log: Logger;
  /** Overrides config.listen (the CLI's --listen). */
  listen?: readonly string[];
}

export async function startServer({ config, pipeline, log, listen }: ServerOptions): Promise<RunningServer> {
  const limits = config.limits;
  let settings = settingsFor(config, pipeline);
  let current = config;
  // A peer can cause these by the thousand: one line per cause per interval, with a count.
  const logLimiter = new LogLimiter(log, config.log_summary_seconds * 1000);
  const connOptions: ConnectionOptions = {
    settings: () => settings,
    maxFrameBytes: limits.max_frame_bytes,
    idleTimeoutMs: limits.idle_timeout_seconds * 1000,
    logLimiter,
  };
  const connections = new Set<Connection>();
  const perClient = new Map<string, number>();
  let nextId = 1;

  const onSocket = (socket: Socket) => {
    const id = nextId++;
    const connLog = log.child({ conn: id });
    const metrics = settings.pipeline.services.metrics;
    const client = clientAddress(socket);
    if (connections.size >= limits.max_connections) {
      logLimiter.warn('max_connections', connLog, { max: limits.max_connections, peer: client }, 'too many connections; refusing');
      metrics.connection('refused', 'max_connections');
      socket.destroy();
      return;
    }
    if (client !== undefined) {
      const held = perClient.get(client) ?? 0;
      if (held >= limits.max_connections_per_client) {
        logLimiter.warn('max_connections_per_client', connLog, { max: limits.max_connections_per_client, peer: client }, 'too many connections from this client; refusing');
        metrics.connection('refused', 'max_connections_per_client');
        socket.destroy();
        return;
      }
      perClient.set(client, held + 1);
      socket.on('close', () => {
        const left = (perClient.get(client) ?? 1) - 1;
        if (left > 0) perClient.set(client, left);
        else perClient.delete(client);
      });
    }
    const conn = new Connection(socket, connLog, connOptions);
    connections.add(conn);
    metrics.connection('open');
    socket.on('close', () => {
      connections.delete(conn);
      metrics.connection('close');
    });
  };

  const specs = (listen && listen.length > 0 ? listen : config.listen).map(parseListenSpec);
  const servers: Server[] = [];
  const addresses: string[] = [];
  try {
    for (const spec of specs) {
      const server = createServer({ pauseOnConnect: false, noDelay: true }, onSocket);
      server.on('error', (err) => log.error({ err: err.message }, 'listener error'));
      addresses.push(await bind(server, spec, config.unix_socket_mode));
      servers.push(server);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  log.info({ listen: addresses }, 'listening');

  return {
    addresses,
    get connectionCount() {
      return connections.size;
    },
    reload(next: Readonly<Config>, nextPipeline: Pipeline) {
      settings = settingsFor(next, nextPipeline);
      log.level = next.log_level;
      // Listeners and per-socket limits are set up once; everything else applies to the next message.
      const restartOnly = [
        ...(['listen', 'unix_socket_mode', 'workers', 'log_summary_seconds'] as const).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k])),
        ...(['max_connections', 'max_connections_per_client', 'idle_timeout_seconds', 'max_frame_bytes', 'shutdown_grace_seconds'] as const)
          .filter((k) => next.limits[k] !== current.limits[k])
          .map((k) => `limits.${k}`),
      ];
      if (restartOnly.length > 0) log.warn({ keys: restartOnly }, 'reload: these settings take effect only after a restart');
      current = next;
    },
    async close() {
      for (const s of servers) s.close();
      const graceMs = limits.shutdown_grace_seconds * 1000;
      const inFlight = [...connections].filter((c) => c.session.inMessage).length;
      log.info({ connections: connections.size, inFlight, graceMs }, 'shutting down');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      // Each connection closes as soon as it has no message in flight.
      const drained = Promise.all([...connections].map((c) => c.whenIdle().then(() => c.close())));
      await Promise.race([drained, deadline]);
      clearTimeout(timer);
      for (const c of connections) c.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
      logLimiter.flush();
      // Learning from messages already answered (autolearn) finishes before the stores close.
      await settings.pipeline.background.drain();
    },
  };
}

/**
 * The address a client is counted under for max_connections_per_client: IPv4 clients of a
 * dual-stack listener arrive as ::ffff:a.b.c.d and count as a.b.c.d. Unix-socket peers have
 * no address (undefined): the socket's file mode already decides who may connect.
 */
function clientAddress(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function settingsFor(config: Readonly<Config>, pipeline: Pipeline): Settings {
  return {
    pipeline,
    wants: wantsFor(pipeline.engine, config.policies.length > 0),
    progressIntervalMs: config.limits.progress_interval_seconds * 1000,
  };
}

async function bind(server: Server, spec: ListenSpec, socketMode: string): Promise<string> {
  // A worker's listen goes through the primary, which removed a stale file before forking;
  // to the second worker, the socket the first one opened would look like another instance's.
  if (spec.kind === 'unix' && !cluster.isWorker) await removeStaleSocket(spec.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (spec.kind === 'unix') server.listen(spec.path, done);
    else server.listen({ host: spec.host, port: spec.port, exclusive: false }, done);
  });
  if (spec.kind === 'unix') {
    await chmod(spec.path, parseInt(socketMode, 8));
    return formatListenSpec(spec);
  }
  const addr = server.address() as AddressInfo;
  return formatListenSpec({ kind: 'inet', host: spec.host, port: addr.port });
}

/**
 * A socket file left by a crashed run would make listen fail with EADDRINUSE; one that still
 * answers belongs to a running instance and is left alone.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) throw Object.assign(new Error(`${path} exists and is not a socket; refusing to replace it`), { code: 'EEXIST' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
  if (alive) throw Object.assign(new Error(`${path}: another process is listening on this socket`), { code: 'EADDRINUSE' });
  await unlink(path);
}
