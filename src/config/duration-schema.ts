import { z } from 'zod';
import { DURATION_FORMS, parseDurationSeconds } from './durations.js';

/** A duration field, written "15m" or 900; checks read it with parseDurationSeconds. */
export const duration = (def: string, what: string) =>
  z
    .union([z.string(), z.number()])
    .refine((v) => parseDurationSeconds(v) !== undefined, { message: `expected ${DURATION_FORMS}` })
    .default(def)
    .describe(`${what} (${DURATION_FORMS}).`);

/** The seconds of a duration the schema accepted. */
export function seconds(v: string | number): number {
  const s = parseDurationSeconds(v);
  if (s === undefined) throw new RangeError(`not a duration: ${JSON.stringify(v)}`);
  return s;
}
