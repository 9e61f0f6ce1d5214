// The greylisting, rate-limit and bad-session tests: one pipeline per test on a real store
// backend (SQLite in a temporary file, or a real redis-server with a key prefix per test),
// time from an injected clock that the store's expiry shares where it can (SQLite).
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../../src/config/load.js';
import type { ClientInfo } from '../../../src/message/message.js';
import type { Pipeline } from '../../../src/scan/pipeline.js';
import type { Clock } from '../../../src/scan/services.js';
import { Transaction, type Decision, type EndOfMessage } from '../../../src/scan/transaction.js';
import type { KeyValueStore } from '../../../src/store/kv.js';
import { RedisKeyValueStore } from '../../../src/store/redis-kv.js';
import { SqliteKeyValueStore } from '../../../src/store/sqlite-kv.js';
import { testPipeline, testServices } from '../../support/services.js';
import { tempDir } from '../../support/temp-dirs.js';
import type { RedisServer } from '../../integration/support/redis.js';

export const log = pino({ level: 'silent' });

export class TestClock implements Clock {
  constructor(public t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export type BackendName = 'sqlite' | 'redis';
let prefixes = 0;

/** Another store on the same data: a second host of the fleet. */
export async function openStore(kind: BackendName, clock: Clock, redis: RedisServer | undefined, at: { file?: string; prefix?: string }): Promise<KeyValueStore> {
  if (kind === 'sqlite') return SqliteKeyValueStore.open(at.file!, { create: true, now: () => clock.now() });
  return RedisKeyValueStore.open({ url: redis!.url, keyPrefix: at.prefix!, timeoutMs: 1000 });
}

export async function newStore(kind: BackendName, clock: Clock, redis?: RedisServer) {
  const at = kind === 'sqlite' ? { file: join(tempDir('state'), 'state.sqlite') } : { prefix: `grey${process.pid}-${++prefixes}:` };
  const store = await openStore(kind, clock, redis, at);
  return { store, reopen: () => openStore(kind, clock, redis, at) };
}

export function pipeline(raw: object, store: KeyValueStore, clock: Clock): Pipeline {
  return testPipeline(parseConfig(raw), { services: testServices({ store, clock }) });
}

export const client = (address: string, hostname = 'unknown'): ClientInfo => ({ hostname, address, port: 25, family: address.includes(':') ? 'inet6' : 'inet' });

export interface Attempt {
  connect: Decision;
  mail?: Decision;
  rcpts: Decision[];
  eom?: EndOfMessage;
}

export interface AttemptOptions {
  client?: ClientInfo;
  sender?: string;
  rcpts?: string[];
  body?: string;
  subject?: string;
  authenticated?: boolean;
  spf?: { result: 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror'; domain: string };
}

/** One SMTP session with one message, as an MTA drives it; stops where the MTA would. */
export async function attempt(p: Pipeline, o: AttemptOptions = {}): Promise<Attempt> {
  const tx = new Transaction(() => p, log);
  const out: Attempt = { connect: await tx.connect(o.client ?? client('192.0.2.10')), rcpts: [] };
  try {
    if (out.connect.kind !== 'continue') return out;
    out.mail = await tx.mail({ address: o.sender ?? 'alice@sender.example', args: [] }, { authenticated: o.authenticated ?? false });
    if (out.mail.kind !== 'continue') return out;
    if (o.spf) tx.message!.spf = o.spf;
    for (const r of o.rcpts ?? ['bob@example.net']) out.rcpts.push(await tx.rcpt({ address: r, args: [] }, { answerable: true }));
    if (!out.rcpts.some((d) => d.kind === 'continue')) return out;
    tx.header('Subject', o.subject ?? 'hello');
    tx.endOfHeaders();
    await tx.body(Buffer.from(o.body ?? 'Hello Bob,\r\nsee you.\r\n'));
    out.eom = await tx.endOfMessage();
    return out;
  } finally {
    tx.reset();
    await p.background.drain();
  }
}

export const replyText = (d: Decision | undefined): string => (d && d.kind !== 'continue' ? `${d.reply.code} ${d.reply.xcode ?? ''} ${String(d.reply.text)}` : 'continue');
export const symbols = (a: Attempt): string[] => a.eom?.verdict.result.symbols.map((s) => (s.detail ? `${s.name}(${s.detail})` : s.name)) ?? [];

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
