// Durations as admins write them in the state-keeping sections (greylisting, rate limits, bad
// sessions): "15m", "6h", "36d", "90s", or a bare number of seconds.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export const DURATION_FORMS = 'a number of seconds or a number with s, m, h or d, e.g. 90s, 15m, 6h, 36d';

/** Seconds, or undefined when the text is not a duration. */
export function parseDurationSeconds(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(value);
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
  return seconds > 0 ? seconds : undefined;
}
