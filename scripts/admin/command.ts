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
  /** A progress line for stderr (stdout stays the one result), redacted like every message. */
  progress(line: string): void;
  /** The environment the CLI runs in. */
  env: NodeJS.ProcessEnv;
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

/**
 * An optional number option, e.g. `--rate-limit 600`, as a number. Only its spelling is checked here (decimal digits,
 * maybe a sign or a fraction): whether it is whole and in range is the service's input schema's to say, in the one
 * message every adapter shares.
 */
export function numberOption(values: Values, name: string): number | undefined {
  const v = optional(values, name);
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+(\.\d+)?$/.test(v)) throw usageError(`--${name} must be a number, got "${v}"`);
  return Number(v);
}
