import type { GreylistingConfig } from '../../config/greylisting.js';
import type { Check } from '../../engine/check.js';
import { greylistCheck } from './classic.js';
import { greylisting } from './policy.js';
import { scoreGreylist, type ScoreGreylist } from './score-mode.js';

/** The greylisting check the config asks for (none when off). */
export function greylistChecks(c: Readonly<GreylistingConfig>): Check[] {
  return c.enabled ? [greylistCheck(greylisting(c), c.mode, c.on_store_failure)] : [];
}

/** The end-of-message step of score mode (none unless greylisting is on in score mode). */
export function greylistByScore(c: Readonly<GreylistingConfig>): ScoreGreylist | undefined {
  return c.enabled && c.mode === 'score' ? scoreGreylist(greylisting(c), c.on_store_failure) : undefined;
}

export type { ScoreGreylist };
