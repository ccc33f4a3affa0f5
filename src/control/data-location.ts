import { lazyNeon } from "../db/client.ts";
import { openSecret } from "../crypto/secret-box.ts";
import { ControlError } from "./errors.ts";
import { ownerTransaction, type Sql } from "./owner-sql.ts";
import type { AdminDeps } from "./types.ts";

/** Where the admin commands reach one tenant's data tables (docs/isolation.md). */
export interface TenantDataAccess {
  tenantId: string;
  /** The query function of the database that holds them: the main one, or the tenant's own (its admin login). */
  sql: Sql;
  /** The schema that holds them, quoted for SQL text: `"public"` or `"tenant_<hex>"` (checked, never from input). */
  schema: string;
  /** The tenant's data is being moved (`tenant move`): the commands that write refuse meanwhile. */
  moving: boolean;
}

const SCHEMA = /^tenant_[0-9a-f]{32}$/;

/**
 * Resolves a tenant's data location by slug, in one transaction of the main database: shared and schema tiers are
 * in it; the database tier's admin login is opened from tenant_databases with DATA_SECRET_KEY (`deps.dataAdmin`).
 * Throws not_found for an unknown slug, unavailable when the tenant's database cannot be opened.
 */
export async function tenantDataAccess(deps: AdminDeps, slug: string): Promise<TenantDataAccess> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    {
      text: `select t.isolation, t.data_schema, t.data_moving_since is not null as moving,
                    (select d.admin_url from public.tenant_databases as d) as admin_url
               from public.tenants as t`,
    },
  ]);
  const row = results[0]?.[0];
  if (tenantId === null || !row)
    throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  const moving = row.moving === true;
  if (row.isolation === "schema") {
    const schema = String(row.data_schema);
    if (!SCHEMA.test(schema)) throw new Error(`tenant ${tenantId} has a malformed data schema`);
    return { tenantId, sql: deps.sql, schema: `"${schema}"`, moving };
  }
  if (row.isolation === "database") {
    const key = deps.dataAdmin?.dataSecretKey;
    // The operator API never opens a tenant's own database with its admin login: only the CLI does.
    if (!deps.dataAdmin) {
      throw new ControlError(
        "conflict",
        `tenant "${slug}" has a database of its own: opening it needs DATA_SECRET_KEY and DATABASE_ADMIN_URL, which only the admin CLI is given`,
      );
    }
    if (!key || typeof row.admin_url !== "string") {
      throw new ControlError(
        "unavailable",
        `tenant "${slug}" has a database of its own: opening it needs DATA_SECRET_KEY${key ? " and its admin URL" : ""}`,
      );
    }
    let url: string;
    try {
      url = await openSecret({ name: "DATA_SECRET_KEY", raw: key }, tenantId, row.admin_url);
    } catch (err) {
      throw new ControlError("unavailable", `cannot open tenant "${slug}"'s database: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { tenantId, sql: lazyNeon(url), schema: `"public"`, moving };
  }
  return { tenantId, sql: deps.sql, schema: `"public"`, moving };
}

/** Refuses a write while the tenant's data is being moved (it would be lost with the old copy). */
export function refuseWhileMoving(access: TenantDataAccess, slug: string): void {
  if (access.moving) {
    throw new ControlError("conflict", `tenant "${slug}"'s data is being moved to another tier; try again when done`);
  }
}
