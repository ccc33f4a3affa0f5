import type { RequestContext } from "../context.ts";
import { createTenantDb, type TenantDb } from "./tenant-db.ts";

/**
 * The one way Worker code reaches a tenant's control-plane rows in the main database (its tenant row, its audit rows):
 * a {@link TenantDb} whose every call runs as `tenantId` under row-level security, over the isolate's one database
 * client (`rc.sql`, see createSql). Its data tables are elsewhere for some tiers: handlers reach those through
 * `tenantData` (src/db/tenant-data.ts). Building it does no I/O. Throws a TypeError when `tenantId` is not a UUID (a
 * bug upstream; see createTenantDb).
 */
export function forTenant(rc: Pick<RequestContext, "sql">, tenantId: string): TenantDb {
  return createTenantDb(rc.sql, tenantId);
}
