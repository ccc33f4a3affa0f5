/**
 * Preparing and discarding a tenant's data location (docs/isolation.md, "Provisioning"): a schema of its own in the
 * main database, or a database of its own made ready for its tables. Shared by `tenant create` and `tenant move`.
 */
import type pg from "pg";
import { connect, connectCreatingDatabase, describeUrl, quoteIdent } from "../migrate/database.ts";
import { DEFAULT_SQL_DIR } from "../migrate/run.ts";
import {
  applyDatabaseBase,
  applyDataMigrations,
  checkedSchema,
  readDatabaseBase,
  readDataMigrations,
  tenantSchemaName,
} from "./data-files.ts";
import type { DataAdmin } from "./data-admin.ts";

/** Where a tenant's data is to go. */
export type Placement =
  | { isolation: "shared" }
  | { isolation: "schema" }
  | {
      isolation: "database";
      /**
       * The Worker's connection string for the tenant's database (its tenant_mcp_app login). Default: a database named
       * `<main database>_<tenant id hex>` on the main database's server, as tenant_mcp_app without a password (enough
       * locally; in production give it).
       */
      databaseUrl?: string;
      /**
       * The admin login of that database, for provisioning, migrations and moves. Default: `databaseUrl` with the user
       * and password of the main database's admin login.
       */
      adminDatabaseUrl?: string;
    };

/** A location made ready for a tenant's rows; the plain connection strings are sealed before they are stored. */
export interface PreparedLocation {
  isolation: "shared" | "schema" | "database";
  /** The tenant's schema (schema tier); null otherwise. */
  schema: string | null;
  /** The Worker's connection string (database tier); null otherwise. */
  dataUrl: string | null;
  /** The admin connection string (database tier); null otherwise. */
  adminUrl: string | null;
  /** The database did not exist and was created (discarding drops it). */
  createdDatabase: boolean;
}

const APP_ROLE = "tenant_mcp_app";

/** The database-tier connection strings `placement` resolves to (defaults filled in). */
export function databaseUrls(
  admin: Pick<DataAdmin, "adminDatabaseUrl">,
  tenantId: string,
  placement: Extract<Placement, { isolation: "database" }>,
): { dataUrl: string; adminUrl: string } {
  const main = new URL(admin.adminDatabaseUrl);
  let dataUrl = placement.databaseUrl;
  if (!dataUrl) {
    const u = new URL(main.toString());
    const mainName = decodeURIComponent(u.pathname.slice(1));
    u.pathname = `/${mainName}_${tenantId.replace(/-/g, "")}`;
    u.username = APP_ROLE;
    u.password = "";
    dataUrl = u.toString();
  }
  let adminUrl = placement.adminDatabaseUrl;
  if (!adminUrl) {
    const u = new URL(dataUrl);
    u.username = main.username;
    u.password = main.password;
    adminUrl = u.toString();
  }
  for (const url of [dataUrl, adminUrl]) {
    const u = new URL(url);
    if (!/^postgres(ql)?:$/.test(u.protocol) || u.pathname.length < 2) {
      throw new Error(`${describeUrl(url)} is not a postgres:// URL naming a database`);
    }
  }
  if (sameDatabase(dataUrl, admin.adminDatabaseUrl)) {
    throw new Error("a tenant's own database must not be the main database");
  }
  return { dataUrl, adminUrl };
}

function sameDatabase(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  return x.hostname === y.hostname && (x.port || "5432") === (y.port || "5432") && x.pathname === y.pathname;
}

/**
 * Makes `placement` ready for tenant `tenantId`'s rows, empty: the schema (created, owned by tenant_mcp_owner, USAGE
 * for the Worker, the data files applied) or the database (created when missing and the admin login may; then the
 * roles, sql/data/database.sql and the data files). Shared needs nothing. On failure, whatever it made is removed
 * before it throws.
 */
export async function prepareLocation(
  admin: DataAdmin,
  tenantId: string,
  placement: Placement,
): Promise<PreparedLocation> {
  const log = admin.log ?? ((): void => {});
  const sqlDir = admin.sqlDir ?? DEFAULT_SQL_DIR;
  const files = await readDataMigrations(sqlDir);
  if (placement.isolation === "shared") {
    return { isolation: "shared", schema: null, dataUrl: null, adminUrl: null, createdDatabase: false };
  }
  if (placement.isolation === "schema") {
    const schema = tenantSchemaName(tenantId);
    const prepared: PreparedLocation = {
      isolation: "schema",
      schema,
      dataUrl: null,
      adminUrl: null,
      createdDatabase: false,
    };
    const main = await connect(admin.adminDatabaseUrl, "tenant-mcp-admin");
    try {
      await main.query(`CREATE SCHEMA ${quoteIdent(schema)} AUTHORIZATION tenant_mcp_owner`);
      try {
        await main.query(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${APP_ROLE}`);
        await applyDataMigrations(main, schema, files);
      } catch (e) {
        await main.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => {});
        throw e;
      }
    } finally {
      await main.end().catch(() => {});
    }
    log(`prepared schema ${schema}`);
    return prepared;
  }
  const { dataUrl, adminUrl } = databaseUrls(admin, tenantId, placement);
  let createdDatabase = false;
  const client = await connectCreatingDatabase(adminUrl, () => {
    createdDatabase = true;
  });
  const prepared: PreparedLocation = { isolation: "database", schema: null, dataUrl, adminUrl, createdDatabase };
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
        "WHERE n.nspname = 'public' AND c.relname = 'data_migrations'",
    );
    if (rows[0]?.n) throw new Error(`${describeUrl(adminUrl)} already holds tenant tables: give a database of its own`);
    await applyDatabaseBase(client, await readDatabaseBase(sqlDir));
    await applyDataMigrations(client, "public", files);
  } catch (e) {
    await client.end().catch(() => {});
    // Only what this call made: a database it created, or the tables it made in one it was given.
    await discardLocation(admin, { ...prepared, createdDatabase }, { tablesOnly: !createdDatabase }).catch(() => {});
    throw e;
  }
  await client.end().catch(() => {});
  log(`prepared database ${describeUrl(adminUrl)}${createdDatabase ? " (created)" : ""}`);
  return { ...prepared, createdDatabase };
}

/**
 * Removes a prepared (or former) location and everything in it: drops the schema, or the database when it was
 * created for the tenant, else the tenant tables, their history and the tenant's move fence in it. Nothing for shared
 * (a shared tenant's rows are deleted by whoever owns them). `tablesOnly`: never drop the database itself.
 */
export async function discardLocation(
  admin: DataAdmin,
  location: PreparedLocation,
  options: { tablesOnly?: boolean } = {},
): Promise<void> {
  if (location.isolation === "schema" && location.schema) {
    const main = await connect(admin.adminDatabaseUrl, "tenant-mcp-admin");
    try {
      await main.query(`DROP SCHEMA IF EXISTS ${quoteIdent(checkedSchema(location.schema))} CASCADE`);
    } finally {
      await main.end().catch(() => {});
    }
    return;
  }
  if (location.isolation !== "database" || !location.adminUrl) return;
  if (location.createdDatabase && !options.tablesOnly) {
    const maintenance = new URL(location.adminUrl);
    const name = decodeURIComponent(maintenance.pathname.slice(1));
    maintenance.pathname = "/postgres";
    const server = await connect(maintenance.toString(), "tenant-mcp-admin");
    try {
      await server.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    } finally {
      await server.end().catch(() => {});
    }
    return;
  }
  let client: pg.Client;
  try {
    client = await connect(location.adminUrl, "tenant-mcp-admin");
  } catch (e) {
    if ((e as { code?: string }).code === "3D000") return;
    throw e;
  }
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT quote_ident(c.relname) AS name FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND (c.relname = 'data_migrations'
               OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
          AND c.relname <> 'data_fences'`,
    );
    if (rows.length)
      await client.query(`DROP TABLE IF EXISTS ${rows.map((r) => `public.${r.name}`).join(", ")} CASCADE`);
  } finally {
    await client.end().catch(() => {});
  }
}
