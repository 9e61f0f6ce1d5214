import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StoreOpenError } from './sqlite-file.js';

// One ioredis connection as the stores need it: a call fails fast when Redis is away (no
// offline queue, a time limit per command) instead of piling up behind a dead socket, and the
// client reconnects by itself, so the first call after Redis is back works.

export interface RedisSettings {
  /** redis://[user:password@]host:port/db or rediss:// (TLS). */
  url: string;
  /** Prepended to every key, so several deployments can share one Redis. */
  keyPrefix: string;
  /** Time limit of connecting and of each command. */
  timeoutMs: number;
  log?: Pick<Logger, 'warn' | 'info'>;
}

/** Longest wait between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 1000;

/** A call that Redis did not answer (down, timed out, refused): one line naming the server. */
export class StoreUnavailableError extends Error {
  constructor(server: string, cause: string) {
    super(`redis ${server}: ${cause}`);
    this.name = 'StoreUnavailableError';
  }
}

/** The URL without its password, for logs and errors. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Connects and waits until Redis answers; throws StoreOpenError naming the server when it does not within the time limit. */
export async function connectRedis(settings: RedisSettings): Promise<Redis> {
  const server = redactedUrl(settings.url);
  const client = new Redis(settings.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    // A command in flight when the connection drops fails now rather than being resent later.
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    settings.log?.warn({ redis: server, err: err.message }, 'redis unavailable; calls fail until it is back');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    settings.log?.info({ redis: server }, 'redis reconnected');
  });
  try {
    await withTimeout(client.connect(), settings.timeoutMs, 'no answer');
    await withTimeout(client.ping(), settings.timeoutMs, 'no answer to PING');
  } catch (err) {
    client.disconnect();
    throw new StoreOpenError(server, (err as Error).message);
  }
  return client;
}

/** Runs a Redis call, turning its failure into a StoreUnavailableError that names the server. */
export async function guarded<T>(server: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) throw err;
    throw new StoreUnavailableError(server, (err as Error).message);
  }
}

/** QUIT when connected (pending replies arrive first), otherwise just drop the socket. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: the connection went away meanwhile
    }
  }
  client.disconnect();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
