import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { connectCreatingDatabase, describeUrl } from "./database.ts";
import { describeSqlError } from "./errors.ts";
import { readMigrations, readSeeds, readSqlFile, type SqlFile } from "./files.ts";
import { planMigrations, type AppliedMigration } from "./plan.ts";
import { migrateDataTargets, type DataTargetOutcome } from "./data-targets.ts";
import { LOCK_KEY } from "./lock.ts";

/** The repository's sql/ folder. */
export const DEFAULT_SQL_DIR: string = fileURLToPath(new URL("../../sql/", import.meta.url));

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Admin connection: a superuser locally, the project owner on Neon. The database is created if missing. */
  databaseUrl: string;
  /** Also run every sql/seed/*.sql (idempotent dev data) after the migrations. Default false. */
  seed?: boolean;
  /** Progress lines. Default: none. */
  log?: (message: string) => void;
  /** Folder of numbered migrations; seeds are in its seed/ subfolder. Default: the repository's sql/. */
  dir?: string;
  /**
   * DATA_SECRET_KEY, which opens the admin URLs of database-tier tenants' own databases. Default none: those targets
   * fail (and say why) while every other one migrates.
   */
  dataSecretKey?: string;
}

/** What {@link migrate} ran. */
export interface MigrateResult {
  /** Names of the migrations applied by this call (e.g. `001_roles`), in order; empty when up to date. */
  applied: string[];
  /** Names of the seed files run by this call. */
  seeded: string[];
  /** Each data location (sql/data/): public, every tenant schema, every tenant database. */
  data: DataTargetOutcome[];
}

class MigrationError extends Error {
  override name = "MigrationError";
}

/** Some data locations failed to migrate (the others did); `result` is what the run did. */
export class DataMigrationError extends MigrationError {
  override name = "DataMigrationError";
  readonly result: MigrateResult;
  constructor(result: MigrateResult) {
    const failed = result.data.filter((d) => d.error !== undefined);
    super(`${failed.length} data location(s) failed: ${failed.map((d) => d.target).join(", ")}; run again to resume`);
    this.result = result;
  }
}

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS public.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies the pending numbered migrations in order, each in its own transaction together with its row in
 * public.schema_migrations; then the tenant-table migrations to every data location (see migrateDataTargets); and
 * optionally the seed files. Safe to run again and to run concurrently. Throws without applying anything when an
 * applied file was edited or a pending file is numbered below an applied one; throws {@link DataMigrationError} after
 * the seeds when some data location failed (every other one is migrated).
 */
export async function migrate(o: MigrateOptions): Promise<MigrateResult> {
  const log = o.log ?? ((): void => {});
  const dir = o.dir ?? DEFAULT_SQL_DIR;
  // Read every file before touching the database, so a naming mistake changes nothing.
  const files = await readMigrations(dir);
  const seeds = o.seed ? await readSeeds(join(dir, "seed")) : [];

  let client: pg.Client;
  try {
    client = await connectCreatingDatabase(o.databaseUrl, log);
  } catch (e) {
    // A refused connection to "localhost" is an AggregateError with an empty message; its code still says why.
    const reason = (e as Error).message || (e as { code?: string }).code || String(e);
    throw new MigrationError(`cannot connect to ${describeUrl(o.databaseUrl)}: ${reason}`, { cause: e });
  }
  try {
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`);
    if (!rows[0]?.locked) {
      log("another migration runner holds the lock on this database; waiting for it");
      await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    }
    await client.query(HISTORY_TABLE);
    const history = await client.query<AppliedMigration>(
      "SELECT version, name, checksum FROM public.schema_migrations ORDER BY version",
    );
    const pending = planMigrations(files, history.rows, log);
    log(
      pending.length === 0
        ? `${describeUrl(o.databaseUrl)}: up to date (${history.rowCount} applied)`
        : `${describeUrl(o.databaseUrl)}: ${pending.length} to apply`,
    );

    const applied: string[] = [];
    for (const file of pending) {
      await runInTransaction(
        client,
        file,
        (ms) => log(`applied ${file.name} (${ms} ms)`),
        async () => {
          await client.query("INSERT INTO public.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
            file.version,
            file.name,
            file.checksum,
          ]);
        },
      );
      applied.push(file.name);
    }
    // Every database holding tenant tables needs the entry function and the move fence (idempotent, every run).
    // A folder without data/ (a test's few files) has no tenant tables to spread.
    let data: DataTargetOutcome[] = [];
    if (existsSync(join(dir, "data"))) {
      const perDatabase = await readSqlFile(join(dir, "data", "database.sql"), 0);
      await runInTransaction(client, perDatabase, (ms) => log(`applied data/database (${ms} ms)`));
      data = await migrateDataTargets(client, { dir, dataSecretKey: o.dataSecretKey, log });
    }

    const seeded: string[] = [];
    for (const file of seeds) {
      await runInTransaction(client, file, (ms) => log(`seeded ${file.name} (${ms} ms)`));
      seeded.push(file.name);
    }
    const result = { applied, seeded, data };
    if (data.some((d) => d.error !== undefined)) throw new DataMigrationError(result);
    return result;
  } finally {
    // Ending the session releases the advisory lock too; unlocking first just makes it prompt.
    await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => {});
    await client.end();
  }
}

async function runInTransaction(
  client: pg.Client,
  file: SqlFile,
  done: (ms: number) => void,
  before?: () => Promise<void>,
): Promise<void> {
  const started = performance.now();
  await client.query("BEGIN");
  try {
    await before?.();
    // No parameters, so node-postgres uses the simple protocol, which accepts many statements in one string.
    await client.query(file.sql);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw new MigrationError(describeSqlError(file, e), { cause: e });
  } finally {
    // Files use SET LOCAL; this stops a plain SET in one file from leaking into the next.
    await client.query("RESET ALL; RESET ROLE").catch(() => {});
  }
  done(Math.round(performance.now() - started));
}
