import type { Logger } from 'pino';
import type { BadSessionsConfig } from '../config/bad-sessions.js';
import { seconds } from '../config/duration-schema.js';
import type { Check, Hit } from '../engine/check.js';
import type { ClientInfo } from '../message/message.js';
import { CidrSet, networkKey } from '../net/ip.js';
import type { Services } from '../scan/services.js';
import type { TokenBucket } from '../store/kv.js';

// Bad sessions and denial of service, per client address (SmarterMail's SMTP blocking): at
// connect, a client that is blocked, or that opens connections faster than allowed, is refused
// with 421 4.7.0; one with too many sessions open at once is refused without a block. During
// the session the transaction reports bad events (src/scan/transaction.ts); too many of them
// block the client. Everything lives in the state store under the client's address, so a block
// decided by one instance holds for every instance on the same Redis. A store failure blocks
// no one: the connect check fails open (CHECK_FAILED), an event is logged and dropped.

export type BadEvent = 'rejected_recipient' | 'protocol_error' | 'no_message' | 'rejected_message';

const EVENT_SETTING: Record<BadEvent, keyof BadSessionsConfig['events']> = {
  rejected_recipient: 'rejected_recipients',
  protocol_error: 'protocol_errors',
  no_message: 'no_message',
  rejected_message: 'rejected_messages',
};

/** A concurrent-session count expires this long after it was created, so one left by a crashed process heals. */
const SESSIONS_TTL_MS = 3_600_000;

/** The hooks the transaction calls; built with the connect check from the same config. */
export interface SessionEvents {
  /** A bad event in the session of `client`. Never rejects: it runs beside the mail. */
  event(client: ClientInfo | undefined, kind: BadEvent, services: Services, log: Logger): Promise<void>;
  /** The session of `client` ended after `messages` messages. Never rejects. */
  end(client: ClientInfo | undefined, messages: number, services: Services, log: Logger): Promise<void>;
}

/**
 * The sessions this process counted, by the client object of their connect, with the count
 * key to release: module-wide, so a session that outlives a reload is released by the new
 * configuration's hooks, and one counted by nobody is never released.
 */
const counted = new WeakMap<ClientInfo, { sessionsKey?: string; refused: boolean }>();

interface Parts {
  /** The client's address as the MTA reported it, for logs. */
  client: string;
  /** The address in one spelling, for keys. */
  address: string;
  blockKey: string;
  blockMs: number;
  reply: string;
}

function bucketOf(limit: { max: number | null; per: string | number }): TokenBucket | undefined {
  return limit.max === null ? undefined : { burst: limit.max, ratePerSecond: limit.max / seconds(limit.per) };
}

export function badSessions(c: Readonly<BadSessionsConfig>): { check: Check; events: SessionEvents } | undefined {
  if (!c.enabled) return undefined;
  const allow = new CidrSet(c.allow);
  const connections = bucketOf(c.connections);
  const events = bucketOf(c.bad_events);
  const blockMs = seconds(c.block) * 1000;

  const parts = (client: ClientInfo | undefined): Parts | undefined => {
    if (client === undefined || allow.has(client.address)) return undefined;
    const address = networkKey(client.address, 32, 128);
    if (address === undefined) return undefined;
    return { client: client.address, address, blockKey: `bad:block:${address}`, blockMs, reply: c.reply };
  };

  const block = async (p: Parts, reason: string, services: Services, log: Logger): Promise<Hit> => {
    const until = services.clock.now() + p.blockMs;
    await services.store.set(p.blockKey, String(until), p.blockMs);
    log.warn({ client: p.client, reason, until: new Date(until).toISOString() }, 'client blocked');
    return { symbol: 'BAD_SESSION_BLOCKED', detail: reason, block: p.reply };
  };

  const check: Check = {
    name: 'bad_sessions',
    stage: 'connect',
    symbols: {
      BAD_SESSION_BLOCKED: { score: 0, description: 'Client address blocked for too many connections or bad events (refused at connect with bad_sessions.reply)' },
      TOO_MANY_SESSIONS: { score: 0, description: 'Client address has more sessions open at once than bad_sessions.concurrent (refused at connect)' },
    },
    async run({ message, services, log }) {
      const client = message.client;
      const p = parts(client);
      if (p === undefined || client === undefined) return [];
      const store = services.store;
      const now = services.clock.now();
      const sessionsKey = `bad:sessions:${p.address}`;
      const [until, take, open] = await Promise.all([
        store.get(p.blockKey),
        connections === undefined ? undefined : store.take(`bad:connections:${p.address}`, connections, now),
        c.concurrent === null ? undefined : store.increment(sessionsKey, 1, SESSIONS_TTL_MS),
      ]);
      const session = { sessionsKey: open === undefined ? undefined : sessionsKey, refused: true };
      counted.set(client, session);
      if (until !== undefined && Number(until) > now) {
        return [{ symbol: 'BAD_SESSION_BLOCKED', detail: `until ${new Date(Number(until)).toISOString()}`, block: p.reply }];
      }
      if (take !== undefined && !take.allowed) return [await block(p, `more than ${c.connections.max} connections per ${c.connections.per}`, services, log)];
      if (open !== undefined && c.concurrent !== null && open > c.concurrent) {
        log.warn({ client: p.client, sessions: open, max: c.concurrent }, 'client refused: too many sessions at once');
        return [{ symbol: 'TOO_MANY_SESSIONS', detail: `${open} open`, block: p.reply }];
      }
      session.refused = false;
      return [];
    },
  };

  const hooks: SessionEvents = {
    async event(client, kind, services, log) {
      if (!c.events[EVENT_SETTING[kind]] || events === undefined) return;
      const p = parts(client);
      if (p === undefined) return;
      try {
        const take = await services.store.take(`bad:events:${p.address}`, events, services.clock.now());
        if (!take.allowed) await block(p, `more than ${c.bad_events.max} bad events per ${c.bad_events.per} (last: ${kind})`, services, log);
      } catch (err) {
        log.warn({ client: p.client, event: kind, err: (err as Error).message }, 'bad-session event not counted: store failed');
      }
    },
    async end(client, messages, services, log) {
      if (client === undefined) return;
      const session = counted.get(client);
      counted.delete(client);
      if (session?.sessionsKey !== undefined) {
        try {
          await services.store.increment(session.sessionsKey, -1, SESSIONS_TTL_MS);
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'session count not released: store failed');
        }
      }
      // A session we refused at connect had no chance to send a message.
      if (messages === 0 && session?.refused !== true) await hooks.event(client, 'no_message', services, log);
    },
  };
  return { check, events: hooks };
}

/** The connect check the config asks for (none when off). */
export function badSessionChecks(c: Readonly<BadSessionsConfig>): Check[] {
  const b = badSessions(c);
  return b === undefined ? [] : [b.check];
}
