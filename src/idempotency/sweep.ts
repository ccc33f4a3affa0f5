import type { NeonQueryFunction } from "@neondatabase/serverless";

/** Keys deleted per statement: one batch, short enough not to hold locks for long. */
const BATCH = 5000;

/**
 * Deletes expired idempotency keys from the main database's data locations (public and every tenant schema), batch
 * after batch through `sweep_idempotency_keys` (sql/017, which sees expired keys only), until a batch comes back short
 * or `maxBatches` ran. Returns how many keys went. Tenants on a database of their own are swept by their own writes
 * (claim_idempotency_key, sql/data/002).
 */
export async function sweepExpiredKeys(
  sql: Pick<NeonQueryFunction<false, false>, "query">,
  maxBatches: number,
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const rows = (await sql.query("select public.sweep_idempotency_keys($1) as n", [BATCH])) as Array<{ n: number }>;
    const n = Number(rows[0]?.n ?? 0);
    deleted += n;
    if (n < BATCH) break;
  }
  return deleted;
}
