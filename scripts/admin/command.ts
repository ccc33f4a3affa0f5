import type { ParseArgsOptionsConfig } from "node:util";
import { usageError } from "./admin-error.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import type { Output } from "./output.ts";

/** Option values as node:util parseArgs returns them. */
export type Values = Record<string, string | boolean | undefined>;

/** What a command may read besides its command line. */
export interface CommandIo {
  /** All of standard input (e.g. a secret piped in); read at most once. */
  readStdin(): Promise<string>;
}

/** One CLI command. */
export interface Command {
  /** The words that select it, e.g. `["tenant", "create"]`. */
  words: string[];
  /** Names of its positional arguments, in order (all required). */
  args: string[];
  /** The positional arguments may be left out (the command checks what it got). */
  optionalArgs?: boolean;
  options: ParseArgsOptionsConfig;
  /** One line for the command list. */
  summary: string;
  /** Usage line after the words, e.g. `<slug> [--since <7d>]`. */
  synopsis: string;
  /** Lines describing the options and what the command does, for `--help`. */
  details: string;
  run(deps: AdminDeps, args: string[], values: Values, io: CommandIo): Promise<Output>;
}

/** A required string option. */
export function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw usageError(`--${name} is required`);
  return v;
}

/** An optional string option. */
export function optional(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** The largest value of a Postgres `integer` column, such as `tenants.rate_limit_per_minute`. */
export const MAX_INT32 = 2_147_483_647;

/**
 * An optional whole-number option from 1 to `max` (default {@link MAX_INT32}), e.g. `--rate-limit 600`. Out of range is
 * a usage error naming the range, never a database error.
 */
export function positiveInt(values: Values, name: string, max = MAX_INT32): number | undefined {
  const v = optional(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw usageError(`--${name} must be a positive whole number (1 to ${max}), got "${v}"`);
  }
  return Number(v);
}
