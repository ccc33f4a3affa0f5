/**
 * Isolation tiers in the worker tests: a test tenant's data location on each tier (docs/isolation.md), provisioned by
 * the test setup (test/support/provision.ts), and an admin connection to wherever a tenant's data tables are, so a
 * fixture seeds and a test inspects exactly the rows the Worker reaches.
 */
import { neon, type NeonQueryFunction } from "@neondatabase/serverless";
import { inject } from "vitest";
import type { Config } from "../../../src/config.ts";
import { tenantData } from "../../../src/db/tenant-data.ts";
import type { TenantDb } from "../../../src/db/tenant-db.ts";
import { ISOLATION_TIERS, type DataLocation, type IsolationTier } from "../../../src/tenancy/tenant.ts";
import { cloudLacks } from "../../support/servers.ts";

const cloud = inject("cloud");

/** Every tier, in the order suites run them. */
export const TIERS: readonly IsolationTier[] = ISOLATION_TIERS;

/**
 * The skip line of a test that needs a tenant on `tier`, where this run cannot have one: a database of a tenant's own
 * needs a PostgreSQL server (the embedded fallback serves one database); undefined when the tier works here.
 */
export function tierLacks(tier: IsolationTier): string | undefined {
  return tier === "database" ? cloudLacks(cloud, "postgres") : undefined;
}

/** Where a test tenant's data tables are, and how the fixtures reach them as the superuser. */
export interface TierPlacement {
  tier: IsolationTier;
  /** What the tenant's record says (the Worker reads it from the tenant row; direct handler tests pass it). */
  data: DataLocation;
  /** Superuser queries on the tenant's data tables, unqualified names resolving to its tables (bypasses RLS). */
  admin: LocationAdmin;
  /** `database` tier: the name of the tenant's own database (what a fault rule of the local cloud names). */
  database?: string;
}

/** Superuser access to one data location. */
export interface LocationAdmin {
  query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Several statements in one transaction. */
  transaction(statements: { text: string; params?: unknown[] }[]): Promise<void>;
}

type Sql = NeonQueryFunction<false, false>;

/** Superuser connection to the main database. */
const mainAdmin = neon(cloud.adminDatabaseUrl);

/**
 * Places tenant `tenantId` (its row made, no data yet) on `tier`: nothing to do for `shared`; its own schema or
 * database otherwise, through the test setup's provisioning. Callers skip with {@link tierLacks} first.
 */
export async function placeTenant(tenantId: string, tier: IsolationTier): Promise<TierPlacement> {
  if (tier === "shared") return { tier, data: { isolation: "shared" }, admin: locationAdmin(mainAdmin, "public") };
  const res = await fetch(cloud.provisionUrl, {
    method: "POST",
    body: JSON.stringify({ tenantId, isolation: tier }),
  });
  if (!res.ok) throw new Error(`provisioning ${tier} for ${tenantId} failed: ${res.status} ${await res.text()}`);
  const placed = (await res.json()) as { schema?: string; database?: string };
  if (tier === "schema") {
    const schema = placed.schema as string;
    return { tier, data: { isolation: "schema", schema }, admin: locationAdmin(mainAdmin, schema) };
  }
  const [row] = await mainAdmin.query("select data_url from public.tenants where id = $1", [tenantId]);
  const url = new URL(cloud.adminDatabaseUrl);
  url.pathname = `/${placed.database}`;
  return {
    tier,
    data: { isolation: "database", sealedUrl: row?.data_url as string },
    admin: locationAdmin(neon(url.toString()), "public"),
    database: placed.database as string,
  };
}

function locationAdmin(sql: Sql, schema: string): LocationAdmin {
  const enter = () => sql.query("select set_config('search_path', $1, true)", [schema]);
  return {
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      const [, rows] = (await sql.transaction([enter(), sql.query(text, params)])) as unknown[][];
      return rows as T[];
    },
    async transaction(statements) {
      await sql.transaction([enter(), ...statements.map((s) => sql.query(s.text, s.params ?? []))]);
    },
  };
}

/** The Worker's path to a tenant's data (src/db/tenant-data.ts) with the test Worker's settings, for handler tests. */
export function tenantDataOf(tenant: { id: string; data: DataLocation }): TenantDb {
  const config = { dataSecretKey: cloud.dataSecretKey } as Config;
  return tenantData({ sql: neon(cloud.appDatabaseUrl), config }, tenant);
}
