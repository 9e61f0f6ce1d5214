import type { ListsConfig } from '../../config/lists.js';
import type { Check } from '../../engine/check.js';
import { ipListsCheck } from './ip.js';
import { senderListChecks } from './sender.js';
import type { ListSourceOptions } from './source.js';

/**
 * The list checks the config asks for: none when every list is empty, so stages without
 * lists stay unanswered (no-reply) and cost nothing. Reads list files now: a missing,
 * unreadable or invalid file throws ConfigError naming the config path and the file.
 */
export function listChecks(lists: Readonly<ListsConfig>, opts: ListSourceOptions = {}): Check[] {
  const ip = ipListsCheck(lists, opts);
  return [...(ip ? [ip] : []), ...senderListChecks(lists, opts)];
}
