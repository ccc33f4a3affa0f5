import { TenantDbError } from "../db/tenant-db.ts";
import type { Logger } from "../log/logger.ts";

/**
 * The public message for an error thrown while serving a tool, resource or prompt, after logging the internal
 * detail. The message never carries SQL, server text or a stack (only the request id, so support can find the log
 * line).
 */
export function publicFailure(err: unknown, where: { log: Logger; requestId: string; operation: string }): string {
  const fields = {
    operation: where.operation,
    error: err,
    ...(err instanceof TenantDbError ? { pg_code: err.code } : {}),
  };
  if (err instanceof TenantDbError && err.failure === "aborted") {
    where.log.info("operation aborted", fields);
    return "Cancelled.";
  }
  if (err instanceof TenantDbError && err.failure === "moving") {
    // Refused by the move fence before anything ran: expected while an operator moves the tenant between tiers.
    where.log.warn("operation refused: tenant data is moving", fields);
    return "This tenant's data is being moved to another location; nothing was changed. Try again in a few seconds.";
  }
  if (isUnstorableInput(err)) {
    // The client's text, not our fault: a backstop behind the argument check, kept out of error logs and alerts.
    where.log.info("operation refused input", fields);
    return "The input contains characters that cannot be stored (such as NUL); remove them and try again.";
  }
  where.log.error("operation failed", fields);
  if (err instanceof TenantDbError) {
    if (err.failure === "unavailable" || isUnavailableCode(err.code))
      return "The database is unavailable; try again shortly.";
    if (err.code === "57014") return "The query took too long; narrow the request and try again.";
    // serialization_failure, deadlock_detected: nothing was written, a retry can succeed.
    if (err.code === "40001" || err.code === "40P01") return "A concurrent change conflicted with this one; try again.";
  }
  return `Internal error (request ${where.requestId}).`;
}

// Class 08 connection exception, 53 insufficient resources, 57P01-57P03 shutdown / cannot connect now.
function isUnavailableCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith("08") || code.startsWith("53") || /^57P0[1-3]$/.test(code));
}

/**
 * Whether Postgres refused a value's characters: 22021 character_not_in_repertoire (NUL in `text`), 22P05
 * untranslatable_character (`\u0000` in `jsonb`). Input validation refuses such text first; this is the backstop.
 */
export function isUnstorableInput(err: unknown): boolean {
  return err instanceof TenantDbError && (err.code === "22021" || err.code === "22P05");
}
