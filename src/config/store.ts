import { z } from 'zod';

// Where state lives (`store:`) and how to reach Redis (`redis:`). The SQLite files stay in
// data_dir; a Redis URL points every instance of a fleet at one shared store.

/** Accepts `sqlite` or a redis:// / rediss:// URL with a host; the message names what is allowed. */
export function isStoreSpec(value: string): boolean {
  if (value === 'sqlite') return true;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && /^\/?(\d{1,2})?$/.test(url.pathname);
}

export const STORE_SPEC_HELP = 'expected sqlite, redis://HOST:PORT/DB or rediss://HOST:PORT/DB';

export const storeSchema = z
  .string()
  .refine(isStoreSpec, { message: STORE_SPEC_HELP })
  .default('sqlite')
  .describe('Where state lives (Bayes tokens, greylisting, rate limits): sqlite (files in data_dir, one machine) or redis://HOST:PORT/DB (rediss:// for TLS), shared by every instance pointed at it. `--store` overrides it.');

export const redisSchema = z
  .strictObject({
    key_prefix: z.string().max(100).default('thresher:')
      .describe('Prefix of every key Thresher writes, so several deployments can share one Redis.'),
    timeout_ms: z.number().int().min(10).max(60_000).default(500)
      .describe('Time limit of connecting and of each Redis call; a call past it fails (the check that needed it scores without it) instead of holding the message.'),
  })
  .prefault({})
  .describe('Redis settings, used when store is a redis:// URL.');
