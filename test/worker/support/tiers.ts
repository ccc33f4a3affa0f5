/**
 * Isolation tiers in the worker tests: test tenants created on each tier (docs/isolation.md) as the operator does
 * (`tenant create --isolation`: plain createTenant for `shared`, the test setup's createTenantOn endpoint for the others,
 * test/support/provision.ts), and an admin connection to wherever a tenant's data tables are, so a fixture seeds and
 * a test inspects exactly the rows the Worker reaches.
 */
import { neon, type NeonQueryFunction } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { inject } from "vitest";
import type { Config } from "../../../src/config.ts";
import { createTenant, type CreateTenantInput } from "../../../src/control/tenants.ts";
import { tenantData } from "../../../src/db/tenant-data.ts";
import type { TenantDb } from "../../../src/db/tenant-db.ts";
import { ISOLATION_TIERS, type DataLocation, type IsolationTier } from "../../../src/tenancy/tenant.ts";
import { cloudLacks } from "../../support/servers.ts";
import { createShards } from "../../../src/redis/shards.ts";

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

/** The control plane as the admin CLI reaches it (the owner login), for tenants on the shared tier. */
const control = {
  sql: neon(cloud.ownerDatabaseUrl),
  shards: createShards(cloud.upstashShards, (e) => new Redis({ url: e.url, token: e.token, enableTelemetry: false })),
  pepper: cloud.apiKeyPepper,
};

/** A tenant made by {@link createTenantOnTier}: its id, its first API key, and where its data is. */
export interface TierTenant {
  id: string;
  apiKey: string;
  keyId: string;
  placement: TierPlacement;
}

/**
 * Creates a tenant with its first key and its data on `tier`, as `tenant create --isolation <tier>` does (the schema
 * or database made ready, empty apart from a first workspace unless `input.defaultWorkspace` is false). Callers skip
 * with {@link tierLacks} first.
 */
export async function createTenantOnTier(input: CreateTenantInput, tier: IsolationTier): Promise<TierTenant> {
  if (tier === "shared") {
    const made = await createTenant(control, input);
    const placement: TierPlacement = { tier, data: { isolation: "shared" }, admin: locationAdmin(mainAdmin, "public") };
    return { id: made.tenant.id, apiKey: made.apiKey, keyId: made.keyId, placement };
  }
  const res = await fetch(cloud.provisionUrl, { method: "POST", body: JSON.stringify({ input, isolation: tier }) });
  if (!res.ok) throw new Error(`creating a tenant on the ${tier} tier failed: ${res.status} ${await res.text()}`);
  const made = (await res.json()) as { id: string; apiKey: string; keyId: string; schema?: string; database?: string };
  const base = { id: made.id, apiKey: made.apiKey, keyId: made.keyId };
  if (tier === "schema") {
    const schema = made.schema as string;
    return {
      ...base,
      placement: { tier, data: { isolation: "schema", schema }, admin: locationAdmin(mainAdmin, schema) },
    };
  }
  const [row] = await mainAdmin.query("select data_url from public.tenants where id = $1", [made.id]);
  const url = new URL(cloud.adminDatabaseUrl);
  url.pathname = `/${made.database}`;
  return {
    ...base,
    placement: {
      tier,
      data: { isolation: "database", sealedUrl: row?.data_url as string },
      admin: locationAdmin(neon(url.toString()), "public"),
      database: made.database as string,
    },
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
