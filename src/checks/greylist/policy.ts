import type { GreylistingConfig } from '../../config/greylisting.js';
import { seconds } from '../../config/duration-schema.js';
import type { Message } from '../../message/message.js';
import { AddressSet } from '../../net/address-pattern.js';
import { CidrSet, networkKey } from '../../net/ip.js';
import { SenderPools } from './sender-pools.js';
import type { Windows } from './records.js';

// Who is greylisted and under which key: the parts both modes share (the RCPT check, classic,
// and the end-of-message step, by score).

export interface Greylisting {
  windows: Windows;
  autoAllowAfter: number;
  reply: string;
  /** Why this message is never greylisted (an allow list, a pool, authentication), or undefined. */
  bypass(m: Message): string | undefined;
  /** Where the message comes from as greylisting keys it: the SPF-validated domain, or the client network. */
  origin(m: Message): string | undefined;
  /** The reply with {seconds} filled in. */
  replyFor(retryInMs: number): string;
}

export function greylisting(c: Readonly<GreylistingConfig>): Greylisting {
  const allowClients = new CidrSet(c.allow_clients);
  const allowSenders = new AddressSet(c.allow_senders);
  const pools = new SenderPools(c.sender_pools);
  const windows = { blockMs: seconds(c.block) * 1000, passWindowMs: seconds(c.pass_window) * 1000, lifetimeMs: seconds(c.lifetime) * 1000 };
  return {
    windows,
    autoAllowAfter: c.auto_allow_after,
    reply: c.reply,
    bypass(m) {
      if (!m.greylisting) return 'policy';
      if (m.authenticated) return 'authenticated';
      const sender = m.sender?.address ?? '';
      if (sender === '') return 'null sender';
      const address = m.client?.address ?? '';
      const allowed = allowClients.match(address);
      if (allowed) return `allow_clients ${allowed.entry}`;
      const pool = pools.match(address, m.client?.hostname);
      if (pool !== undefined) return `sender pool ${pool}`;
      const s = allowSenders.match(sender);
      if (s !== undefined) return `allow_senders ${s}`;
      return undefined;
    },
    origin(m) {
      if (c.spf_domain && m.spf?.result === 'pass' && m.spf.domain !== '') return `spf:${m.spf.domain.toLowerCase()}`;
      return networkKey(m.client?.address ?? '', c.ipv4_prefix, c.ipv6_prefix);
    },
    replyFor(retryInMs) {
      return c.reply.replace(/\{seconds\}/g, String(Math.max(1, Math.ceil(retryInMs / 1000))));
    },
  };
}
