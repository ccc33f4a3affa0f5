import type { RequestContext } from "../context.ts";
import { auditQueueKey } from "../redis/keys.ts";
import { flushTenants } from "./flush.ts";
import { serializeRow, type QueuedAuditRow } from "./queued-row.ts";

/**
 * Audit rows of this isolate's requests that are not in Redis yet, oldest first. Mutable module state, on purpose and
 * like the key memory of src/auth/recall.ts: a row waits here (at most `auditLingerMs`, under its own request's
 * `waitUntil`, so the isolate stays until it is written) for a command that goes out anyway, the next warm admission's
 * script, instead of spending an Upstash command of its own (src/audit/sink.ts says when it does).
 */
const pending: QueuedAuditRow[] = [];

/** Rows one command carries at most: bounds the script's size (a row is a few hundred bytes). */
export const MAX_ROWS_PER_COMMAND = 50;

/** Holds a row until a command carries it. */
export function holdRow(row: QueuedAuditRow): void {
  pending.push(row);
}

/**
 * Takes up to `max` of the oldest held rows whose tenant `accept`s (default: any; a command carries only rows of the
 * tenants on its shard); the caller writes them, or gives them back ({@link giveBack}).
 */
export function takeRows(max = MAX_ROWS_PER_COMMAND, accept?: (tenantId: string) => boolean): QueuedAuditRow[] {
  if (!accept) return pending.splice(0, max);
  const taken: QueuedAuditRow[] = [];
  for (let i = 0; i < pending.length && taken.length < max; ) {
    const row = pending[i] as QueuedAuditRow;
    if (accept(row.tenant_id)) {
      taken.push(row);
      pending.splice(i, 1);
    } else i++;
  }
  return taken;
}

/** The tenant of the oldest held row whose tenant `accept`s (default: any), if any. */
export function oldestHeldTenant(accept: (tenantId: string) => boolean = () => true): string | undefined {
  return pending.find((row) => accept(row.tenant_id))?.tenant_id;
}

/** Returns rows a failed command did not write, ahead of the rest (they are older). */
export function giveBack(rows: readonly QueuedAuditRow[]): void {
  pending.unshift(...rows);
}

/** Whether `row` is still held: no command has carried it yet. */
export function isHeld(row: QueuedAuditRow): boolean {
  return pending.includes(row);
}

/**
 * Rows grouped by tenant as a script that appends them takes them: one queue key per tenant, and per tenant the
 * arguments `tenant id, row count, rows...` ({@link appendRowsLua}).
 */
export interface AppendBatch {
  tenants: string[];
  keys: string[];
  args: string[];
  rows: QueuedAuditRow[];
}

/** Groups `rows` (oldest first, kept in that order within each tenant) for {@link appendRowsLua}. */
export function appendBatch(rows: readonly QueuedAuditRow[]): AppendBatch {
  const byTenant = new Map<string, string[]>();
  for (const row of rows) {
    const list = byTenant.get(row.tenant_id) ?? [];
    list.push(serializeRow(row));
    byTenant.set(row.tenant_id, list);
  }
  const tenants = [...byTenant.keys()];
  return {
    tenants,
    keys: tenants.map(auditQueueKey),
    args: [...byTenant.entries()].flatMap(([tenant, list]) => [tenant, String(list.length), ...list]),
    rows: [...rows],
  };
}

/**
 * Lua that appends rows to their tenants' lists, for a script whose audit queue keys are `KEYS[firstKey..#KEYS]`
 * (each index a number or a Lua expression of the enclosing script, evaluated before the loop),
 * whose set of tenants with rows is `KEYS[setKey]`, whose queue TTL (seconds) is `ARGV[ttlArg]`, and whose groups
 * (`tenant id, n, n rows`, one per queue key, in the same order) start at `ARGV[firstArg]`. Each list is kept for the
 * TTL after its last row, and its tenant is added to the set after its rows, in the same script (the flush's trim
 * relies on that order, src/audit/flush.ts). Leaves the lists' lengths, in key order, in the Lua table `lengths`.
 */
export function appendRowsLua(
  setKey: number | string,
  firstKey: number | string,
  ttlArg: number | string,
  firstArg: number | string,
): string {
  return `
local lengths = {}
local a = ${firstArg}
local setKey = KEYS[${setKey}]
for k = ${firstKey}, #KEYS do
  local rows = tonumber(ARGV[a + 1])
  local len = 0
  for i = 1, rows do len = redis.call("RPUSH", KEYS[k], ARGV[a + 1 + i]) end
  redis.call("EXPIRE", KEYS[k], tonumber(ARGV[${ttlArg}]))
  redis.call("SADD", setKey, ARGV[a])
  lengths[#lengths + 1] = len
  a = a + 2 + rows
end
`;
}

/**
 * After a command appended `batch` and answered the lists' `lengths`: for each tenant whose list just reached a
 * whole number of flush batches, flushes one batch of its rows after the response, so a busy tenant's rows move as
 * fast as it makes them and one request per batch pays for it (quieter tenants' rows wait for the Cron Trigger).
 */
export function flushFilledBatches(
  rc: Pick<RequestContext, "sql" | "shards" | "config" | "log" | "waitUntil">,
  batch: AppendBatch,
  lengths: readonly unknown[],
): void {
  const size = rc.config.auditFlushBatchSize;
  batch.tenants.forEach((tenantId, i) => {
    const after = Number(lengths[i] ?? 0);
    const added = batch.rows.filter((r) => r.tenant_id === tenantId).length;
    if (Math.floor(after / size) <= Math.floor((after - added) / size)) return;
    rc.waitUntil(
      flushTenants({ sql: rc.sql, redis: rc.shards.forTenant(tenantId), log: rc.log }, [tenantId], size).catch(
        (err: unknown) =>
          // Nothing is lost: the rows stay queued for the next flush.
          rc.log.error("audit flush failed", { error: err instanceof Error ? err : String(err), backlog: after }),
      ),
    );
  });
}
