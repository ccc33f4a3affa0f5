import { usageError } from "./admin-error.ts";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * The longest duration any option takes by default: 36500 days (100 years). Far inside what Postgres intervals and
 * timestamps (to year 294276) and JavaScript dates (to year 275760) hold, so an overlong value is a usage error here
 * rather than a database or date error later.
 */
export const MAX_DURATION_SECONDS = 36_500 * 86_400;

/** Options of {@link parseDuration}. */
export interface DurationOptions {
  /** Accept `0` (and `0s`, ...). Default false. */
  allowZero?: boolean;
  /** Upper bound in seconds. Default {@link MAX_DURATION_SECONDS}. */
  maxSeconds?: number;
}

/**
 * Seconds in a duration such as `90d`, `12h`, `1h30m` or `45s` (units s, m, h, d, w). `0` is zero; zero is refused
 * unless `allowZero`, and more than `maxSeconds` always. Throws a usage error naming `flag` and the range.
 */
export function parseDuration(text: string, flag: string, options: DurationOptions = {}): number {
  const max = options.maxSeconds ?? MAX_DURATION_SECONDS;
  const value = text.trim().toLowerCase();
  let seconds = 0;
  if (value !== "0") {
    if (!/^(\d+[smhdw])+$/.test(value)) {
      throw usageError(`${flag} must be a duration such as 90d, 12h, 30m or 1h30m, got "${text}"`);
    }
    // Digits beyond double precision still add up to more than `max`, which is all that matters then.
    for (const [, n, unit] of value.matchAll(/(\d+)([smhdw])/g))
      seconds += Number(n) * (UNIT_SECONDS[unit as string] as number);
  }
  if (seconds === 0 && !options.allowZero) throw usageError(`${flag} must be longer than 0`);
  if (!(seconds <= max)) throw usageError(`${flag} must be at most ${describeMax(max)}, got "${text}"`);
  return seconds;
}

/** `36500d (100 years)` for the default, else the largest whole unit. */
function describeMax(seconds: number): string {
  if (seconds === MAX_DURATION_SECONDS) return "36500d (100 years)";
  const [unit, size] = Object.entries(UNIT_SECONDS)
    .reverse()
    .find(([, s]) => seconds % s === 0) ?? ["s", 1];
  return `${seconds / size}${unit}`;
}
