/**
 * The tenant-table migrations (sql/data/NNN_*.sql) and the per-database file (sql/data/database.sql), applied to one
 * data location: a schema of the main database (public, or a tenant's own) or the public schema of a tenant's own
 * database. Shared by `npm run migrate`, which brings every location up to date, and by provisioning and moves, which
 * prepare a new one. Each location keeps its own history in `<schema>.data_migrations`.
 */
import { join } from "node:path";
import type pg from "pg";
import { quoteIdent } from "../migrate/database.ts";
import { describeSqlError } from "../migrate/errors.ts";
import { readMigrations, readSqlFile, type SqlFile } from "../migrate/files.ts";
import { planMigrations, type AppliedMigration } from "../migrate/plan.ts";

/** The per-database file in sql/data/, which is not a numbered migration. */
const DATABASE_FILE = "database.sql";

/** A schema name the tools may build SQL with: public, or a tenant schema (`tenant_<32 hex>`), nothing else. */
export function checkedSchema(schema: string): string {
  if (schema !== "public" && !/^tenant_[0-9a-f]{32}$/.test(schema)) {
    throw new Error(`${JSON.stringify(schema)} is not a data schema`);
  }
  return schema;
}

/** The schema a tenant's data gets on the schema tier: `tenant_` and its id without hyphens. */
export function tenantSchemaName(tenantId: string): string {
  return checkedSchema(`tenant_${tenantId.replace(/-/g, "").toLowerCase()}`);
}

/** The numbered files of `<sqlDir>/data/`, in order. */
export function readDataMigrations(sqlDir: string): Promise<SqlFile[]> {
  return readMigrations(join(sqlDir, "data"), [DATABASE_FILE]);
}

/** What a dedicated database needs before its tables: the roles (sql/001_roles.sql) and sql/data/database.sql. */
export async function readDatabaseBase(sqlDir: string): Promise<SqlFile[]> {
  return Promise.all([
    readSqlFile(join(sqlDir, "001_roles.sql"), 0),
    readSqlFile(join(sqlDir, "data", DATABASE_FILE), 0),
  ]);
}

/** Runs each file in a transaction of its own (both are idempotent). */
export async function applyDatabaseBase(client: pg.Client, files: readonly SqlFile[]): Promise<void> {
  for (const file of files) await inTransaction(client, file, async () => {});
}

/**
 * Applies the pending `files` to `schema` (public or a tenant schema) over `client`, each in a transaction together
 * with its row in `<schema>.data_migrations`, with the schema alone on search_path so the files' unqualified names
 * land there. Files numbered `baseline` or below are recorded as applied without running (the main database's public
 * schema got those tables from its numbered migrations). Returns the names applied. Throws on the first failure,
 * after rolling that file back; what was applied before it stays, and the next run resumes from there.
 */
export async function applyDataMigrations(
  client: pg.Client,
  schema: string,
  files: readonly SqlFile[],
  options: { baseline?: number } = {},
): Promise<string[]> {
  const s = quoteIdent(checkedSchema(schema));
  try {
    await client.query(`BEGIN; SET LOCAL ROLE tenant_mcp_owner;
      CREATE TABLE IF NOT EXISTS ${s}.data_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      ); COMMIT`);
  } catch (e) {
    // A failed statement leaves the transaction open and aborted (COMMIT never ran): end it, or every later target
    // and the seed on this shared client would fail with "current transaction is aborted".
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
  for (const f of files.filter((f) => f.version <= (options.baseline ?? 0))) {
    await client.query(
      `INSERT INTO ${s}.data_migrations (version, name, checksum) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING`,
      [f.version, f.name, f.checksum],
    );
  }
  const history = await client.query<AppliedMigration>(
    `SELECT version, name, checksum FROM ${s}.data_migrations ORDER BY version`,
  );
  const applied: string[] = [];
  for (const file of planMigrations(files, history.rows)) {
    await inTransaction(client, file, async () => {
      await client.query(`SET LOCAL search_path TO ${s}`);
      await client.query(`INSERT INTO ${s}.data_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
        file.version,
        file.name,
        file.checksum,
      ]);
    });
    applied.push(file.name);
  }
  return applied;
}

async function inTransaction(client: pg.Client, file: SqlFile, before: () => Promise<void>): Promise<void> {
  await client.query("BEGIN");
  try {
    await before();
    // No parameters: the simple protocol runs the file's many statements in one string.
    await client.query(file.sql);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw new Error(describeSqlError(file, e), { cause: e });
  } finally {
    await client.query("RESET ALL; RESET ROLE").catch(() => {});
  }
}
