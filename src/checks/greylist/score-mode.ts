import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { GreylistingConfig } from '../../config/greylisting.js';
import type { Hit } from '../../engine/check.js';
import type { Message } from '../../message/message.js';
import type { Services } from '../../scan/services.js';
import type { Greylisting } from './policy.js';
import { attempt, formatDelay } from './records.js';
import { normaliseSender } from './sender-key.js';

// Greylisting by score (rspamd's way): only a message whose score reached thresholds.greylist
// is deferred, at end of message. The key is the message itself (sender, recipients, subject
// and the start of the body), not the client network, so a retry of the same message from
// another address of a sender's pool passes. One read and one write per such message.

/** Bytes of the body's start that go into the key: enough to tell messages apart, cheap to hash. */
const BODY_START_BYTES = 4096;

export interface ScoreGreylist {
  /** The message reached the greylist score: a GREYLIST hit with its reply, a GREYLIST_PASSED hit, or nothing (bypassed, known). */
  judge(m: Message, services: Services, log: Logger): Promise<Hit | undefined>;
  onStoreFailure: GreylistingConfig['on_store_failure'];
}

export function messageKey(m: Message): string {
  const h = createHash('sha256');
  h.update(normaliseSender(m.sender?.address ?? ''));
  for (const r of m.recipients.map((x) => x.address.toLowerCase()).sort()) h.update(`\0${r}`);
  h.update(`\0${m.header('subject')[0] ?? ''}\0`);
  h.update(m.body.subarray(0, BODY_START_BYTES));
  return `greylist:m:${h.digest('base64url')}`;
}

export function scoreGreylist(g: Greylisting, onStoreFailure: GreylistingConfig['on_store_failure']): ScoreGreylist {
  return {
    onStoreFailure,
    async judge(m, services, log) {
      const why = g.bypass(m);
      if (why !== undefined) {
        log.debug({ why }, 'not greylisted by score');
        return undefined;
      }
      const key = messageKey(m);
      const now = services.clock.now();
      const outcome = await attempt(services.store, key, await services.store.get(key), now, g.windows);
      if (outcome.kind === 'defer') return { symbol: 'GREYLIST', detail: `score; retry in ${formatDelay(outcome.retryInMs)}`, block: g.replyFor(outcome.retryInMs) };
      if (outcome.delayMs !== undefined) return { symbol: 'GREYLIST_PASSED', detail: `after ${formatDelay(outcome.delayMs)}` };
      return undefined;
    },
  };
}
