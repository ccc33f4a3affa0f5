import { AdminError, reasonOf } from "../lib/admin-error.ts";

/** One line for any failure, and the exit code: 2 for a command-line mistake, 1 for everything else. */
export function describeFailure(err: unknown): { message: string; exitCode: 1 | 2 } {
  if (err instanceof AdminError) return { message: oneLine(err.message), exitCode: err.exitCode };
  const e = err as { message?: string; code?: string; cause?: unknown; name?: string };
  // Postgres answered with an error (the driver's NeonDbError carries the SQLSTATE).
  if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) {
    if (e.code === "42883" || e.code === "42P01") {
      return { message: oneLine(`the database schema is behind this CLI (${e.message}); run \`npm run migrate\``), exitCode: 1 };
    }
    if (e.code === "42501") {
      return { message: oneLine(`permission denied (${e.message}): DATABASE_URL must be an owner or admin login`), exitCode: 1 };
    }
    return { message: oneLine(`database error ${e.code}: ${e.message}`), exitCode: 1 };
  }
  return { message: oneLine(reasonOf(err)), exitCode: 1 };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
