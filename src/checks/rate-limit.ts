import type { RateBucketConfig, RateKeyPart, RateLimitsConfig } from '../config/rate-limits.js';
import { parseRate } from '../config/rate-limits.js';
import type { Check, Hit } from '../engine/check.js';
import type { Message } from '../message/message.js';
import { networkKey } from '../net/ip.js';
import type { TokenBucket } from '../store/kv.js';
import { domainOf } from './greylist/sender-key.js';

// Rate limits: token buckets in the state store (KeyValueStore.take counts and decides in one
// atomic step, a Lua script on Redis and a transaction in SQLite), so workers and hosts sharing
// the store never both let the last token through. Buckets without `recipient` in their key
// take one token per message at MAIL; those with it take one per recipient at RCPT. One store
// operation per bucket that applies.

const DEFAULT_REPLY = {
  defer: '451 4.7.1 Rate limit reached, try again later',
  close: '421 4.7.0 Rate limit reached, closing connection',
} as const;

interface Bucket {
  name: string;
  key: readonly RateKeyPart[];
  bucket: TokenBucket;
  /** The reply of defer and close; undefined for symbol. */
  reply: string | undefined;
}

function compile(b: RateBucketConfig): Bucket {
  const rate = parseRate(b.rate)!;
  return {
    name: b.name,
    key: b.key,
    bucket: { burst: b.burst ?? rate.count, ratePerSecond: rate.count / rate.periodSeconds },
    reply: b.answer === 'symbol' ? undefined : (b.reply ?? DEFAULT_REPLY[b.answer]),
  };
}

/** The bucket's key for this message (the last recipient at RCPT), or undefined when a part is unknown (no login for user, no client address). */
function keyOf(b: Bucket, m: Message, c: Readonly<RateLimitsConfig>): string | undefined {
  const parts: string[] = [];
  for (const part of b.key) {
    let v: string | undefined;
    switch (part) {
      case 'client_address':
        v = networkKey(m.client?.address ?? '', 32, 128);
        break;
      case 'client_network':
        v = networkKey(m.client?.address ?? '', c.ipv4_prefix, c.ipv6_prefix);
        break;
      case 'sender':
        v = m.sender === undefined ? undefined : m.sender.address.toLowerCase() || '<>';
        break;
      case 'sender_domain':
        v = domainOf(m.sender?.address ?? '') || undefined;
        break;
      case 'recipient':
        v = m.recipients.at(-1)?.address.toLowerCase();
        break;
      case 'user':
        v = m.user || undefined;
        break;
    }
    if (v === undefined) return undefined;
    parts.push(v);
  }
  return `rate:${b.name}:${parts.join('|')}`;
}

function bucketCheck(name: string, stage: 'mail' | 'rcpt', symbol: string, buckets: Bucket[], c: Readonly<RateLimitsConfig>): Check {
  return {
    name,
    stage,
    onFailure: c.on_store_failure,
    symbols: {
      [symbol]: { score: 0, description: stage === 'mail' ? 'A rate limit counted per message was reached (the detail names the bucket)' : 'A rate limit counted per recipient was reached (the detail names the bucket)' },
    },
    async run({ message: m, services, log }) {
      const now = services.clock.now();
      const applying = buckets.flatMap((b) => {
        const key = keyOf(b, m, c);
        return key === undefined ? [] : [{ b, key }];
      });
      const takes = await Promise.all(applying.map(({ b, key }) => services.store.take(key, b.bucket, now)));
      const reached = applying.map((a, i) => ({ ...a, take: takes[i]! })).filter((a) => !a.take.allowed);
      for (const r of reached) log.info({ bucket: r.b.name, key: r.key, retryAfterMs: r.take.retryAfterMs }, 'rate limit reached');
      if (reached.length === 0) return [];
      // One symbol naming every bucket reached; the first that refuses answers the stage.
      const hit: Hit = { symbol, detail: reached.map(({ b }) => b.name).join(', ') };
      const refusing = reached.find(({ b }) => b.reply !== undefined);
      if (refusing !== undefined) hit.block = refusing.b.reply;
      return [hit];
    },
  };
}

/** The rate-limit checks the config asks for: none without buckets. */
export function rateLimitChecks(c: Readonly<RateLimitsConfig>): Check[] {
  const all = c.buckets.map(compile);
  const perMessage = all.filter((b) => !b.key.includes('recipient'));
  const perRecipient = all.filter((b) => b.key.includes('recipient'));
  return [
    ...(perMessage.length > 0 ? [bucketCheck('rate_limit', 'mail', 'RATE_LIMITED', perMessage, c)] : []),
    ...(perRecipient.length > 0 ? [bucketCheck('rate_limit_recipient', 'rcpt', 'RATE_LIMITED_RECIPIENT', perRecipient, c)] : []),
  ];
}
