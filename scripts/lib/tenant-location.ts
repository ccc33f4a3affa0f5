/**
 * Node only: puts a new tenant's data on the schema or database isolation tier of a local stack, the way an operator's
 * provisioning does (sql/011_isolation_tiers.sql, sql/data/): its own schema in the main database, or its own database
 * on the same server (reached through the local cloud's Neon endpoint, which routes by the connection string's
 * database). One way for the local tools to do it: the test setup (test/support/provision.ts), `npm run dev` and the
 * bench call it.
 */
import { readFile } from "node:fs/promises";
import pg from "pg";
import { sealSecret } from "../../src/crypto/secret-box.ts";

const SQL_DIR = new URL("../../sql/", import.meta.url);

/** What a provisioned location is, as the tests need it. */
export interface ProvisionedLocation {
  isolation: "schema" | "database";
  /** `schema`: the tenant's schema, `tenant_<id without hyphens>`. */
  schema?: string;
  /** `database`: the name of the tenant's own database. */
  database?: string;
}

/** Where and how to provision. */
export interface ProvisionTarget {
  /** Superuser URL of the main database (the tenants' rows are there). */
  adminUrl: string;
  /** The Worker's login URL of the main database: a dedicated database gets the same login, on its own name. */
  appUrl: string;
  /** DATA_SECRET_KEY of the Worker under test: the dedicated database's URLs are sealed with it. */
  dataSecretKey: string;
}

const read = (name: string): Promise<string> => readFile(new URL(name, SQL_DIR), "utf8");

/** Runs `fn` on a fresh connection to `url`, then ends it. */
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A statement, with its parameters when it has any (a file of several statements has none). */
type Step = string | [string, unknown[]];

async function inTransaction(client: pg.Client, statements: Step[]): Promise<void> {
  await client.query("BEGIN");
  try {
    for (const s of statements) await (typeof s === "string" ? client.query(s) : client.query(s[0], s[1]));
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** The name of tenant `tenantId`'s dedicated database: the main database's name, `_`, the id without hyphens. */
export function dedicatedDatabaseName(mainDatabase: string, tenantId: string): string {
  return `${mainDatabase}_${tenantId.replaceAll("-", "")}`;
}

/**
 * Moves an existing tenant, with no data yet, onto `isolation`: creates its schema (owned by the owner role, usable by
 * the Worker's role) or its database (roles, the per-database entry function, the tenant tables), then points its
 * row there (a database's URLs sealed under DATA_SECRET_KEY, the tenant id as additional data).
 */
export async function provisionTenant(
  target: ProvisionTarget,
  tenantId: string,
  isolation: "schema" | "database",
): Promise<ProvisionedLocation> {
  if (!/^[0-9a-f-]{36}$/.test(tenantId)) throw new Error("tenant id is not a UUID");
  const hex = tenantId.replaceAll("-", "");
  const tables = await read("data/001_tenant_tables.sql");
  if (isolation === "schema") {
    const schema = `tenant_${hex}`;
    await withClient(target.adminUrl, (client) =>
      inTransaction(client, [
        `CREATE SCHEMA ${schema} AUTHORIZATION tenant_mcp_owner`,
        `GRANT USAGE ON SCHEMA ${schema} TO tenant_mcp_app`,
        `SET LOCAL search_path TO ${schema}`,
        tables,
        "RESET ROLE",
        [
          "UPDATE public.tenants SET isolation = 'schema', data_schema = $2, data_url = NULL WHERE id = $1",
          [tenantId, schema],
        ],
      ]),
    );
    return { isolation, schema };
  }

  const main = decodeURIComponent(new URL(target.adminUrl).pathname.slice(1));
  const database = dedicatedDatabaseName(main, tenantId);
  const on = (url: string): string => {
    const u = new URL(url);
    u.pathname = `/${database}`;
    return u.toString();
  };
  await withClient(target.adminUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`));
  const [roles, perDatabase] = await Promise.all([read("001_roles.sql"), read("data/database.sql")]);
  await withClient(on(target.adminUrl), async (client) => {
    await inTransaction(client, [roles]);
    await inTransaction(client, [perDatabase]);
    await inTransaction(client, ["SET LOCAL search_path TO public", tables]);
  });
  const key = { name: "DATA_SECRET_KEY", raw: target.dataSecretKey };
  const [dataUrl, adminUrl] = await Promise.all([
    sealSecret(key, tenantId, on(target.appUrl)),
    sealSecret(key, tenantId, on(target.adminUrl)),
  ]);
  await withClient(target.adminUrl, (client) =>
    inTransaction(client, [
      [
        "UPDATE public.tenants SET isolation = 'database', data_schema = NULL, data_url = $2 WHERE id = $1",
        [tenantId, dataUrl],
      ],
      ["INSERT INTO public.tenant_databases (tenant_id, admin_url) VALUES ($1, $2)", [tenantId, adminUrl]],
    ]),
  );
  return { isolation, database };
}

/**
 * Drops the dedicated databases a previous run left for the main database named in `adminUrl` (names of
 * {@link dedicatedDatabaseName}'s form only). No server: nothing to do.
 */
export async function dropDedicatedDatabases(adminUrl: string): Promise<void> {
  const main = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  const maintenance = new URL(adminUrl);
  maintenance.pathname = "/postgres";
  await withClient(maintenance.toString(), async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $1 || '_') AND substr(datname, length($1) + 2) ~ '^[0-9a-f]{32}$'",
      [main],
    );
    for (const { datname } of rows)
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
  }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "ECONNREFUSED") throw err;
  });
}
