import type { NeonQueryFunction } from "@neondatabase/serverless";
import type { Redis } from "@upstash/redis/cloudflare";
import type { Logger } from "../log/logger.ts";
import { auditQueueKey, auditTenantsKey } from "../redis/keys.ts";
import { parseQueuedRow, rowPrefix, type QueuedAuditRow } from "./queued-row.ts";

/**
 * For each tenant list i (KEYS[i], with ARGV[3i-2] the prefix of the first row the flush read, ARGV[3i-1] how many
 * rows it read, ARGV[3i] the tenant id), removes those rows only while the list's head is still that first row; then,
 * when the list is empty, takes the tenant out of the set of tenants with rows (the last key). Rows are only ever
 * appended at the tail and removed as a prefix, by this script, and every row is unique (its id): so while the head is
 * unchanged, the first n rows are the n rows the flush read and inserted. When another flush got there first, nothing
 * is removed: what this flush inserted again was a no-op (ON CONFLICT), and what it read beyond the other's prefix
 * stays for the next flush. An append adds the rows before the tenant (one script, src/audit/pending.ts), so a tenant taken out
 * here has no row it could miss. Returns the rows left in those lists.
 */
const TRIM_FLUSHED = `
local tenants = KEYS[#KEYS]
local left = 0
for i = 1, #KEYS - 1 do
  local prefix = ARGV[3 * i - 2]
  local head = redis.call("LINDEX", KEYS[i], 0)
  if head and string.sub(head, 1, #prefix) == prefix then
    redis.call("LTRIM", KEYS[i], tonumber(ARGV[3 * i - 1]), -1)
  end
  local n = redis.call("LLEN", KEYS[i])
  if n == 0 then redis.call("SREM", tenants, ARGV[3 * i]) end
  left = left + n
end
return left
`;

/**
 * How long a tenant's queued rows are kept after the last was added, in seconds (30 days): far beyond any outage the
 * flush could wait out, and what bounds the rows of a tenant deleted while a request was adding one.
 */
export const QUEUE_TTL_SECONDS = 30 * 24 * 3600;

const APPEND = "select added, unknown_tenants from public.append_audit_rows($1::jsonb)";

/** Tenants' lists read per Redis request while gathering a batch. */
const TENANTS_PER_READ = 50;

/** What a flush needs: the Worker's database role, Redis and a log. */
export interface FlushDeps {
  sql: Pick<NeonQueryFunction<false, false>, "query">;
  redis: Pick<Redis, "lrange" | "eval" | "smembers">;
  log: Pick<Logger, "error" | "warn">;
}

/** What one batch did. */
export interface BatchResult {
  /** Rows read from the heads of the tenants' lists. */
  read: number;
  /** Rows the audit table did not have yet (a repeated batch adds 0). */
  added: number;
  /** Rows dropped as unreadable (logged). */
  dropped: number;
  /** Rows left, afterwards, in the lists this batch read and moved rows from. */
  left: number;
  /** Tenants whose rows were left queued because this database has no such tenant. */
  unknown: string[];
}

/** The rows one batch took from one tenant's list. */
interface Taken {
  tenantId: string;
  raw: unknown[];
}

/**
 * Moves up to `size` rows from the heads of `tenantIds`' lists (in that order) to the audit table: one statement
 * (one Neon request) for all of them, then one Redis script that removes them. Exactly once whatever fails or runs
 * twice: the insert skips rows it has (their ids), and rows leave Redis only after their insert committed. A failed
 * insert throws and leaves every row in place; a flush that dies between the insert and the removal leaves rows that
 * the next flush inserts as no-ops and then removes. Rows of a tenant this database does not know stay queued.
 */
export async function flushTenants(deps: FlushDeps, tenantIds: string[], size: number): Promise<BatchResult> {
  const taken: Taken[] = [];
  let budget = size;
  for (let i = 0; i < tenantIds.length && budget > 0; i += TENANTS_PER_READ) {
    const group = tenantIds.slice(i, i + TENANTS_PER_READ);
    // Issued in one tick: the client's auto-pipelining sends them as one request. The client parses each JSON row.
    const lists = await Promise.all(group.map((t) => deps.redis.lrange<unknown>(auditQueueKey(t), 0, budget - 1)));
    group.forEach((tenantId, j) => {
      const raw = (lists[j] ?? []).slice(0, budget);
      budget -= raw.length;
      taken.push({ tenantId, raw });
    });
  }
  const rows: QueuedAuditRow[] = [];
  let dropped = 0;
  for (const { raw } of taken) {
    for (const value of raw) {
      const row = parseQueuedRow(value);
      if (row) rows.push(row);
      else {
        dropped++;
        // The line keeps the row, so a call whose row could not be stored can still be accounted for.
        deps.log.error("audit row unreadable, dropped", { audit: value });
      }
    }
  }
  let added = 0;
  const unknown = new Set<string>();
  if (rows.length > 0) {
    const [result] = (await deps.sql.query(APPEND, [JSON.stringify(rows)])) as Array<{
      added: number;
      unknown_tenants: string[] | null;
    }>;
    added = Number(result?.added ?? 0);
    for (const id of result?.unknown_tenants ?? []) unknown.add(id);
    if (unknown.size > 0) deps.log.warn("audit rows of unknown tenants left queued", { tenants: [...unknown] });
  }
  // A tenant's rows are all of one tenant, so an unknown tenant's list is left whole; a list read empty is still
  // passed, so the script takes its tenant out of the set.
  const trimmed = taken.filter((t) => !unknown.has(t.tenantId));
  const read = taken.reduce((n, t) => n + t.raw.length, 0);
  if (trimmed.length === 0) return { read, added, dropped, left: 0, unknown: [...unknown] };
  const keys = [...trimmed.map((t) => auditQueueKey(t.tenantId)), auditTenantsKey()];
  const args = trimmed.flatMap((t) => [headPrefix(t.raw[0]), String(t.raw.length), t.tenantId]);
  const left = await deps.redis.eval<string[], number>(TRIM_FLUSHED, keys, args);
  return { read, added, dropped, left, unknown: [...unknown] };
}

/**
 * What the first row read begins with in Redis: `{"id":"<id>",` for a readable row; an unreadable one is compared
 * whole (as the client handed it back); an empty list gets a prefix no row has, so nothing is trimmed from it.
 */
function headPrefix(first: unknown): string {
  if (first === undefined) return "\u0000";
  const id = typeof first === "object" && first !== null ? (first as { id?: unknown }).id : undefined;
  if (typeof id === "string") return rowPrefix(id);
  return typeof first === "string" ? first : JSON.stringify(first);
}

/** How {@link flushAudit} runs. */
export interface FlushOptions {
  /** Rows per batch (one insert statement each). */
  batchSize: number;
  /** Most batches in this run; the rest waits for the next. */
  maxBatches: number;
}

/** What a run of {@link flushAudit} did, summed over its batches. */
export interface FlushResult {
  batches: number;
  added: number;
  dropped: number;
}

/**
 * Flushes every tenant's rows, batch after batch, until none is left, `maxBatches` ran or a batch fails (which
 * throws, after the batches before it were moved). The Cron Trigger runs this; it is safe beside any other flush.
 */
export async function flushAudit(deps: FlushDeps, options: FlushOptions): Promise<FlushResult> {
  const total: FlushResult = { batches: 0, added: 0, dropped: 0 };
  // Tenants this database does not know: their rows stay queued, and must not take every batch's room in this run.
  const skip = new Set<string>();
  let pending = await deps.redis.smembers(auditTenantsKey());
  while (total.batches < options.maxBatches) {
    pending = pending.filter((t) => !skip.has(t));
    if (pending.length === 0) break;
    const batch = await flushTenants(deps, pending, options.batchSize);
    total.batches++;
    total.added += batch.added;
    total.dropped += batch.dropped;
    for (const t of batch.unknown) skip.add(t);
    if (batch.read === 0) break;
    // Those lists are empty now: look again, for tenants whose first row came since.
    if (batch.left === 0) pending = await deps.redis.smembers(auditTenantsKey());
  }
  return total;
}

/** Rows waiting in Redis for the flush, per tenant that has any. */
export async function auditBacklog(redis: Pick<Redis, "smembers" | "llen">): Promise<Map<string, number>> {
  const tenants = await redis.smembers(auditTenantsKey());
  const lengths = await Promise.all(tenants.map((t) => redis.llen(auditQueueKey(t))));
  const backlog = new Map<string, number>();
  tenants.forEach((t, i) => {
    const n = lengths[i] ?? 0;
    if (n > 0) backlog.set(t, n);
  });
  return backlog;
}
