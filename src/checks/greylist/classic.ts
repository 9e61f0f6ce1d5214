import type { Check, Hit } from '../../engine/check.js';
import type { KeyValueStore } from '../../store/kv.js';
import type { Greylisting } from './policy.js';
import { attempt, formatDelay } from './records.js';
import { normaliseSender } from './sender-key.js';

// Classic greylisting at RCPT: one record per triplet (client network or SPF domain, sender,
// recipient), and per client network a count of passed triplets that allows it outright.
// Store operations per recipient: one batched read, then at most two writes (on a first pass).

export const GREYLIST_SYMBOLS = {
  GREYLIST: { score: 0, description: 'Greylisted: a first attempt from an unknown sender, deferred (the detail says when to retry)' },
  GREYLIST_PASSED: { score: 0, description: 'Passed greylisting on a retry; the detail says after how long' },
};

/** The auto-allow record of an origin: "COUNT:LAST" (LAST: the last pass, for its lifetime). */
function readCount(value: string | undefined, now: number, lifetimeMs: number): number {
  if (value === undefined) return 0;
  const [count, last] = value.split(':').map(Number);
  if (!Number.isFinite(count) || !Number.isFinite(last) || now - last! >= lifetimeMs) return 0;
  return count!;
}

export async function classicAttempt(g: Greylisting, store: KeyValueStore, origin: string, sender: string, recipient: string, now: number): Promise<Hit[]> {
  const tripletKey = `greylist:t:${origin}|${normaliseSender(sender)}|${recipient.toLowerCase()}`;
  const clientKey = `greylist:c:${origin}`;
  const auto = g.autoAllowAfter > 0;
  const [tripletValue, clientValue] = auto ? await store.getMany([tripletKey, clientKey]) : [await store.get(tripletKey), undefined];
  const count = auto ? readCount(clientValue, now, g.windows.lifetimeMs) : 0;
  if (auto && count >= g.autoAllowAfter) {
    await store.set(clientKey, `${count}:${now}`, g.windows.lifetimeMs);
    return [];
  }
  const outcome = await attempt(store, tripletKey, tripletValue, now, g.windows);
  if (outcome.kind === 'defer') {
    return [{ symbol: 'GREYLIST', detail: `retry in ${formatDelay(outcome.retryInMs)}`, block: g.replyFor(outcome.retryInMs) }];
  }
  if (outcome.delayMs === undefined) return [];
  if (auto) await store.set(clientKey, `${count + 1}:${now}`, g.windows.lifetimeMs);
  return [{ symbol: 'GREYLIST_PASSED', detail: `after ${formatDelay(outcome.delayMs)}` }];
}

/**
 * The greylisting check at RCPT. In score mode it judges nothing here (the end-of-message step
 * does, src/scan/score-greylist.ts) and only declares the symbols, which answer synchronously.
 */
export function greylistCheck(g: Greylisting, mode: 'classic' | 'score', onFailure: 'open' | 'tempfail'): Check {
  return {
    name: 'greylist',
    stage: 'rcpt',
    symbols: GREYLIST_SYMBOLS,
    onFailure,
    run({ message: m, services, log }) {
      if (mode === 'score') return [];
      const rcpt = m.recipients.at(-1)?.address ?? '';
      const why = g.bypass(m);
      if (why !== undefined) {
        log.debug({ rcpt, why }, 'not greylisted');
        return [];
      }
      const origin = g.origin(m);
      if (origin === undefined) return [];
      return classicAttempt(g, services.store, origin, m.sender!.address, rcpt, services.clock.now());
    },
  };
}
