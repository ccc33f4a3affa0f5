import type { NeonQueryFunction } from "@neondatabase/serverless";

/**
 * Days each plan keeps its tenants' audit rows, as `audit_retention_days` (sql/015) says; the database function is
 * what the deletion obeys, this copy is for the docs and the CLI.
 */
export const PLAN_AUDIT_RETENTION_DAYS = { free: 30, pro: 90, enterprise: 365 } as const;

/** Rows deleted per statement: one batch, short enough not to hold locks for long. */
const BATCH = 5000;

/**
 * Deletes audit rows older than their tenant's plan keeps them, batch after batch (one statement each, through
 * `purge_expired_audit_rows`), until a batch comes back short or `maxBatches` ran. Returns how many rows went.
 */
export async function purgeExpiredAudit(
  sql: Pick<NeonQueryFunction<false, false>, "query">,
  maxBatches: number,
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const rows = (await sql.query("select public.purge_expired_audit_rows($1) as n", [BATCH])) as Array<{ n: number }>;
    const n = Number(rows[0]?.n ?? 0);
    deleted += n;
    if (n < BATCH) break;
  }
  return deleted;
}
