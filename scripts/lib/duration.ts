import { usageError } from "./admin-error.ts";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Seconds in a duration such as `90d`, `12h`, `1h30m` or `45s` (units s, m, h, d, w). `0` is zero; zero is refused
 * unless `allowZero`. Throws a usage error naming `flag`.
 */
export function parseDuration(text: string, flag: string, options: { allowZero?: boolean } = {}): number {
  const value = text.trim().toLowerCase();
  let seconds = 0;
  if (value !== "0") {
    if (!/^(\d+[smhdw])+$/.test(value)) {
      throw usageError(`${flag} must be a duration such as 90d, 12h, 30m or 1h30m, got "${text}"`);
    }
    for (const [, n, unit] of value.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * (UNIT_SECONDS[unit as string] as number);
  }
  if (seconds === 0 && !options.allowZero) throw usageError(`${flag} must be longer than 0`);
  if (!Number.isSafeInteger(seconds)) throw usageError(`${flag} is too long`);
  return seconds;
}
