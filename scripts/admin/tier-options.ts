import type { AdminDeps, TenantView } from "../../src/control/types.ts";
import type { DataAdmin } from "../tenant-data/data-admin.ts";
import type { Placement } from "../tenant-data/location.ts";
import { AdminError, usageError } from "./admin-error.ts";
import { optional, type Values } from "./command.ts";

/** The options that say where a tenant's data goes (`tenant create`, `tenant move`). */
export const TIER_OPTIONS = {
  isolation: { type: "string" },
  "database-url": { type: "string" },
  "admin-database-url": { type: "string" },
} as const;

/** `--help` lines of {@link TIER_OPTIONS}. */
export const TIER_HELP = `  --isolation <tier>    where the tenant's data tables live (docs/isolation.md): shared (public, the default),
                        schema (a schema of its own, tenant_<id>), database (a database of its own)
  --database-url <url>  database tier: the Worker's connection string for the tenant's database (its
                        tenant_mcp_app login); default a database <main database>_<id> on the main server, created
                        when missing. Stored sealed under DATA_SECRET_KEY; never printed
  --admin-database-url <url>
                        database tier: an admin login of that database (default: --database-url with the user and
                        password of DATABASE_ADMIN_URL); stored sealed, for migrations and moves only`;

/** The tier the options name; `fallback` when --isolation is absent. */
export function placementOf(values: Values, fallback?: Placement["isolation"]): Placement {
  const isolation = optional(values, "isolation") ?? fallback;
  const databaseUrl = optional(values, "database-url");
  const adminDatabaseUrl = optional(values, "admin-database-url");
  if (isolation === undefined) throw usageError("--isolation is required (shared, schema or database)");
  if (isolation !== "shared" && isolation !== "schema" && isolation !== "database") {
    throw usageError(`--isolation must be shared, schema or database, got "${isolation}"`);
  }
  if (isolation !== "database" && (databaseUrl || adminDatabaseUrl)) {
    throw usageError("--database-url and --admin-database-url go with --isolation database");
  }
  for (const [flag, url] of [
    ["--database-url", databaseUrl],
    ["--admin-database-url", adminDatabaseUrl],
  ] as const) {
    if (url !== undefined && !/^postgres(ql)?:\/\/[^/]+\/[^/?#]+/.test(url)) {
      throw usageError(`${flag} must be a postgres:// URL naming a database`);
    }
  }
  if (isolation === "database") {
    return { isolation, ...(databaseUrl ? { databaseUrl } : {}), ...(adminDatabaseUrl ? { adminDatabaseUrl } : {}) };
  }
  return { isolation };
}

/** The admin login and data key the tier commands need, or an error that says what to set. */
export function dataAdminOf(deps: AdminDeps, log?: (line: string) => void): DataAdmin {
  const access = deps.dataAdmin;
  if (!access) {
    throw new AdminError(
      "this command needs the main database's admin login and the Worker's DATA_SECRET_KEY: set DATABASE_ADMIN_URL " +
        "and DATA_SECRET_KEY (locally, restart `npm run dev` so that .dev.vars has them)",
    );
  }
  return { ...access, ...(log ? { log } : {}) };
}

/** The tier for people: `schema (tenant_…)`, `database`, `shared`, plus `, moving since …` during a move. */
export function tierText(t: Pick<TenantView, "isolation" | "dataSchema" | "dataMovingSince">): string {
  const where = t.isolation === "schema" && t.dataSchema ? `schema (${t.dataSchema})` : t.isolation;
  return t.dataMovingSince ? `${where}, moving since ${t.dataMovingSince}` : where;
}
