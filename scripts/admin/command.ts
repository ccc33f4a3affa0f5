import type { ParseArgsOptionsConfig } from "node:util";
import { usageError } from "../lib/admin-error.ts";
import type { AdminDeps } from "../lib/admin-types.ts";
import type { Output } from "./output.ts";

/** Option values as node:util parseArgs returns them. */
export type Values = Record<string, string | boolean | undefined>;

/** One CLI command. */
export interface Command {
  /** The words that select it, e.g. `["tenant", "create"]`. */
  words: string[];
  /** Names of its positional arguments, in order (all required). */
  args: string[];
  options: ParseArgsOptionsConfig;
  /** One line for the command list. */
  summary: string;
  /** Usage line after the words, e.g. `<slug> [--since <7d>]`. */
  synopsis: string;
  /** Lines describing the options and what the command does, for `--help`. */
  details: string;
  run(deps: AdminDeps, args: string[], values: Values): Promise<Output>;
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

/** An optional positive integer option (e.g. `--rate-limit 600`). */
export function positiveInt(values: Values, name: string): number | undefined {
  const v = optional(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0 || !Number.isSafeInteger(Number(v))) {
    throw usageError(`--${name} must be a positive whole number, got "${v}"`);
  }
  return Number(v);
}
