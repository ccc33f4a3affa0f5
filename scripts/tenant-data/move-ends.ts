/** The two ends of a move: where each copy of the tenant's data is, and connections to them. */
import { connect, describeUrl } from "../migrate/database.ts";
import type { Side } from "./copy.ts";
import type { DataAdmin } from "./data-admin.ts";
import type { JournalRow } from "./journal.ts";
import { openData } from "./locations.ts";

/** An isolation tier. */
export type Tier = "shared" | "schema" | "database";

/** A location with its connection strings opened. */
export interface Location {
  isolation: Tier;
  schema: string | null;
  /** Database tier: the admin URL, plain. */
  adminUrl: string | null;
}

/** The location for people (no password). */
export function describe(l: Location): string {
  if (l.isolation === "schema") return `schema ${l.schema}`;
  if (l.isolation === "database") return `database ${describeUrl(l.adminUrl as string)}`;
  return "shared (public)";
}

/** Whether both locations are in one database (the main one, or one tenant database). */
export function sameDatabase(a: Location, b: Location): boolean {
  if (a.isolation !== "database" && b.isolation !== "database") return true;
  if (a.isolation !== "database" || b.isolation !== "database") return false;
  const [x, y] = [new URL(a.adminUrl as string), new URL(b.adminUrl as string)];
  return x.hostname === y.hostname && (x.port || "5432") === (y.port || "5432") && x.pathname === y.pathname;
}

/** Whether the database of `adminUrl` exists (connecting says). */
export async function databaseExists(adminUrl: string): Promise<boolean> {
  try {
    const c = await connect(adminUrl, "tenant-mcp-move");
    await c.end().catch(() => {});
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "3D000") return false;
    throw e;
  }
}

/** A new connection to the location's database, with its schema. */
export function sideOf(admin: DataAdmin, l: Location): Promise<Side> {
  return connect(l.adminUrl ?? admin.adminDatabaseUrl, "tenant-mcp-move").then((client) => ({
    client,
    schema: l.schema ?? "public",
  }));
}

/** The journal's two ends, their admin URLs opened. */
export async function locationsOf(
  admin: DataAdmin,
  tenantId: string,
  j: JournalRow,
): Promise<{ from: Location; to: Location }> {
  const open = (sealed: string | null) =>
    sealed ? openData(admin.dataSecretKey, tenantId, sealed) : Promise.resolve(null);
  return {
    from: { isolation: j.from_isolation, schema: j.from_schema, adminUrl: await open(j.from_admin_url) },
    to: { isolation: j.to_isolation, schema: j.to_schema, adminUrl: await open(j.to_admin_url) },
  };
}
