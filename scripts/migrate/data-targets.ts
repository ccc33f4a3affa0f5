/**
 * The second half of `npm run migrate`: the tenant-table migrations (sql/data/NNN_*.sql) reach every location that
 * holds tenant tables: the main database's public schema (the shared tier), each schema-tier tenant's schema, and each
 * database-tier tenant's own database (there after sql/001_roles.sql and sql/data/database.sql). One target failing
 * is reported and the others still migrate; each target resumes where it stopped on the next run.
 */
import type pg from "pg";
import {
  applyDatabaseBase,
  applyDataMigrations,
  readDatabaseBase,
  readDataMigrations,
} from "../tenant-data/data-files.ts";
import { listDataTargets, openData, type DataTarget } from "../tenant-data/locations.ts";
import { connect, describeUrl } from "./database.ts";
import { LOCK_KEY } from "./lock.ts";

/** How one data location fared. */
export interface DataTargetOutcome {
  /** Which location, for people: `public`, `<slug> (schema tenant_…)`, `<slug> (database user@host/db)`. */
  target: string;
  /** Files applied there by this run. */
  applied: string[];
  /** Why it failed (the files before the failing one stay applied); absent when it is up to date. */
  error?: string;
}

/** Options of {@link migrateDataTargets}. */
export interface DataTargetOptions {
  /** The folder of numbered migrations; the data files are in its data/ subfolder. */
  dir: string;
  /** DATA_SECRET_KEY, to open dedicated databases' admin URLs. Without it those targets fail (and say why). */
  dataSecretKey?: string;
  log: (message: string) => void;
}

// The main database's public schema got 001_tenant_tables' tables from the numbered migrations 003, 004 and 006.
const MAIN_BASELINE = 1;

/**
 * Migrates every data location, given the main database's admin client (already migrated, holding the migration
 * lock). Logs one line per target and a summary; never throws for one target's failure (see the outcomes).
 */
export async function migrateDataTargets(main: pg.Client, o: DataTargetOptions): Promise<DataTargetOutcome[]> {
  const files = await readDataMigrations(o.dir);
  const base = await readDatabaseBase(o.dir);
  const outcomes: DataTargetOutcome[] = [];
  const run = async (target: string, work: () => Promise<string[]>): Promise<void> => {
    try {
      const applied = await work();
      outcomes.push({ target, applied });
      o.log(`data ${target}: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}`);
    } catch (e) {
      const error = (e as Error).message || String(e);
      outcomes.push({ target, applied: [], error });
      o.log(`data ${target}: FAILED: ${error}`);
    }
  };

  await run("public", () => applyDataMigrations(main, "public", files, { baseline: MAIN_BASELINE }));
  let targets: DataTarget[] = [];
  try {
    targets = await listDataTargets(main);
  } catch (e) {
    outcomes.push({ target: "tenant directory", applied: [], error: (e as Error).message });
    o.log(`data: FAILED to list the tenants' locations: ${(e as Error).message}`);
  }
  for (const t of targets) {
    if (t.kind === "schema") {
      await run(`${t.slug} (schema ${t.schema})`, () => applyDataMigrations(main, t.schema, files));
      continue;
    }
    // Where, when known (never with the password): the admin URL opens first, and may not.
    let where = "database";
    let url: string | undefined;
    try {
      if (!t.sealedAdminUrl) throw new Error("no admin URL is recorded for its database (tenant_databases)");
      if (!o.dataSecretKey) throw new Error("DATA_SECRET_KEY is not set: cannot open its database's admin URL");
      url = await openData(o.dataSecretKey, t.tenantId, t.sealedAdminUrl);
      where = `database ${describeUrl(url)}`;
    } catch (e) {
      await run(`${t.slug} (${where})`, () => Promise.reject(e));
      continue;
    }
    const adminUrl = url;
    await run(`${t.slug} (${where})`, () => migrateDedicated(adminUrl, base, files));
  }
  const failed = outcomes.filter((x) => x.error !== undefined);
  const changed = outcomes.filter((x) => x.applied.length > 0);
  o.log(
    `data: ${outcomes.length} target(s): ${changed.length} migrated, ` +
      `${outcomes.length - changed.length - failed.length} up to date, ${failed.length} failed`,
  );
  return outcomes;
}

async function migrateDedicated(
  adminUrl: string,
  base: Parameters<typeof applyDatabaseBase>[1],
  files: Parameters<typeof applyDataMigrations>[2],
): Promise<string[]> {
  const client = await connect(adminUrl);
  try {
    // The same per-database lock as the main runner: two runners never migrate one database at once.
    await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    await applyDatabaseBase(client, base);
    return await applyDataMigrations(client, "public", files);
  } finally {
    await client.end().catch(() => {});
  }
}
