import { auditBacklog } from "../audit/flush.ts";
import { allShards } from "../redis/shards.ts";
import { listTenants } from "./tenants.ts";
import type { AdminDeps } from "./types.ts";

/** Rows of one tenant waiting in Redis for the audit flush. */
interface TenantBacklog {
  /** The tenant's slug; its id when this database has no such tenant (e.g. deleted while a row was being added). */
  tenant: string;
  rows: number;
}

/** What `audit backlog` reports. */
export interface AuditBacklogReport {
  /** Rows waiting in all. */
  total: number;
  /** Tenants with rows waiting, most rows first. */
  tenants: TenantBacklog[];
}

/**
 * The audit rows requests have queued in Redis that the flush (src/audit/flush.ts: the Worker's Cron Trigger every
 * minute, and busy requests) has not moved to Postgres yet. A backlog that keeps growing means the flush is failing:
 * the Worker logs `audit flush failed` with the reason.
 */
export async function auditQueueBacklog(deps: AdminDeps): Promise<AuditBacklogReport> {
  // Every shard's queue: each tenant's rows wait on its own shard.
  const [backlogs, tenants] = await Promise.all([
    Promise.all(allShards(deps.shards).map(auditBacklog)),
    listTenants(deps),
  ]);
  const backlog = backlogs.flatMap((b) => [...b]);
  const slugs = new Map(tenants.map((t) => [t.id, t.slug]));
  const rows = [...backlog].map(([id, n]) => ({ tenant: slugs.get(id) ?? id, rows: n }));
  rows.sort((a, b) => b.rows - a.rows || (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
  return { total: rows.reduce((n, r) => n + r.rows, 0), tenants: rows };
}
