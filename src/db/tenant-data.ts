import type { RequestContext } from "../context.ts";
import { lazyNeon, type Sql } from "./client.ts";
import { openSecret } from "../crypto/secret-box.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import { createTenantDb, type SqlSource, type TenantDb } from "./tenant-db.ts";

/**
 * The one way tool, resource and prompt handlers reach a tenant's data tables, wherever its isolation tier puts them:
 * schema public of the main database (`shared`), the tenant's own schema there (`schema`: same driver, search_path set
 * inside the transaction), or the tenant's own database (`database`: a driver of its own, from the connection string
 * sealed under DATA_SECRET_KEY). Every call is still one Neon HTTP request whose first statement is
 * public.enter_tenant (row-level security, routing and the move fence). Building it does no I/O.
 */
export function tenantData(
  rc: Pick<RequestContext, "sql" | "config">,
  tenant: Pick<TenantContext, "id" | "data">,
): TenantDb {
  const { data } = tenant;
  switch (data.isolation) {
    case "shared":
      return createTenantDb(rc.sql, tenant.id, { kind: "data", schema: null });
    case "schema":
      return createTenantDb(rc.sql, tenant.id, { kind: "data", schema: data.schema });
    case "database":
      return createTenantDb(dedicatedSql(rc.config.dataSecretKey, tenant.id, data.sealedUrl), tenant.id, {
        kind: "data",
        schema: null,
      });
  }
}

// Module scope, shared by every request of the isolate, and so by every tenant: keyed by tenant id (the design guide's
// rule for per-isolate state), and each entry remembers the sealed string it was opened from, so a tenant moved to
// another database (a new sealed string in its record) never reaches the old one through a stale entry. Bounded: the
// oldest entry goes first. What it holds is the opened driver, not the plain connection string.
const MAX_DEDICATED = 256;
const dedicated = new Map<string, { sealed: string; sql: Promise<Sql> }>();

function dedicatedSql(keyRaw: string | undefined, tenantId: string, sealed: string): SqlSource {
  return {
    open() {
      const known = dedicated.get(tenantId);
      if (known?.sealed === sealed) return known.sql;
      const sql = openSecret({ name: "DATA_SECRET_KEY", raw: keyRaw ?? "" }, tenantId, sealed).then((url) =>
        lazyNeon(url),
      );
      // A failed open is not remembered: the next call tries again (e.g. after the secret is put right).
      sql.catch(() => {
        if (dedicated.get(tenantId)?.sql === sql) dedicated.delete(tenantId);
      });
      dedicated.delete(tenantId);
      if (dedicated.size >= MAX_DEDICATED) dedicated.delete(dedicated.keys().next().value as string);
      dedicated.set(tenantId, { sealed, sql });
      return sql;
    },
  };
}
