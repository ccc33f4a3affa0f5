import { ControlError, reasonOf } from "../../src/control/errors.ts";
import { AdminError } from "./admin-error.ts";
import { escapeControls, redactSecrets } from "../../src/control/text.ts";

// Input fields whose flag is not simply `--<field in kebab case>`.
const FLAGS: Record<string, string> = {
  keyId: "<key id>",
  tokenId: "<token id>",
  rateLimitPerMinute: "--rate-limit",
  clientSecret: "--client-secret-stdin",
  allowedEmailDomains: "--allowed-domains",
  requiredClaim: "--require-claim",
};

/** How the command line names an input field of the control-plane services: `keyName` is `--key-name`. */
export function flagOf(field: string): string {
  return FLAGS[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The exit code for a control-plane failure: 2 when the input was wrong (the command line, then), 1 when the
 * operation failed (not found, conflict, unavailable).
 */
export function exitCodeOf(err: ControlError): 1 | 2 {
  return err.kind === "invalid" ? 2 : 1;
}

/**
 * One line for any failure, and the exit code: 2 for a command-line mistake, 1 for everything else. Messages quote
 * what they were given ("no tenant with slug ..."), and driver errors may quote a URL, so the line is made safe to
 * print: secrets redacted (API keys, URL passwords, the `secrets` given), control characters escaped.
 */
export function describeFailure(err: unknown, secrets: readonly string[] = []): { message: string; exitCode: 1 | 2 } {
  const { message, exitCode } = describe(err);
  return { message: safeLine(message, secrets), exitCode };
}

/** `text` as one printable line with nothing secret in it: for every message the CLI writes to stderr. */
export function safeLine(text: string, secrets: readonly string[] = []): string {
  return escapeControls(redactSecrets(oneLine(text), secrets));
}

function describe(err: unknown): { message: string; exitCode: 1 | 2 } {
  if (err instanceof ControlError) return { message: err.render(flagOf), exitCode: exitCodeOf(err) };
  if (err instanceof AdminError) return { message: err.message, exitCode: err.exitCode };
  const e = err as { message?: string; code?: string; cause?: unknown; name?: string };
  // Postgres answered with an error (the driver's NeonDbError carries the SQLSTATE).
  if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) {
    if (e.code === "42883" || e.code === "42P01") {
      return { message: `the database schema is behind this CLI (${e.message}); run \`npm run migrate\``, exitCode: 1 };
    }
    if (e.code === "42501") {
      return { message: `permission denied (${e.message}): DATABASE_URL must be an owner or admin login`, exitCode: 1 };
    }
    return { message: `database error ${e.code}: ${e.message}`, exitCode: 1 };
  }
  return { message: reasonOf(err), exitCode: 1 };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
