/**
 * The steps of a move that recovery shares with the move itself: fencing, verifying, and the two ways a move ends
 * (finished past the switch, rolled back before it).
 */
import type pg from "pg";
import type { AdminDeps } from "../../src/control/types.ts";
import { invalidateWorkerCache } from "../../src/control/worker-cache.ts";
import { quoteIdent } from "../migrate/database.ts";
import { dataTables, deleteRows, tableSums, type DataTable, type Side } from "./copy.ts";
import type { DataAdmin } from "./data-admin.ts";
import { checkedSchema } from "./data-files.ts";
import { endJournal, journalStep, type JournalRow, type MoveStep } from "./journal.ts";
import { discardLocation } from "./location.ts";
import { asOwner } from "./locations.ts";
import { describe, locationsOf, sameDatabase, sideOf, type Location } from "./move-ends.ts";

const DATA_LOCK = "hashtextextended('tenant_mcp:data:' || $1, 0)";

/** The side whose schema holds tenant tables only (not the main database's public, which holds the control plane). */
export function pureSide(sides: { from: Side; to: Side }, from: Location): Side {
  return from.isolation === "shared" ? sides.to : sides.from;
}

/**
 * Fences the tenant: its record says it is moving (the Worker refuses its writes before any work), the source's fence
 * refuses writes that reach the database anyway, and taking the tenant's data lock exclusively waits out every write
 * that entered before the fence (each holds it shared until it commits).
 */
export async function fence(deps: AdminDeps, main: pg.Client, from: Side, tenantId: string): Promise<void> {
  const source = from.client;
  await asOwner(main, tenantId, () =>
    main.query("UPDATE public.tenants SET data_moving_since = coalesce(data_moving_since, now())"),
  );
  await invalidate(deps, main, tenantId, () => {});
  await asOwner(source, tenantId, () =>
    source.query(
      `INSERT INTO public.data_fences (state, schema_name) VALUES ('moving', $1)
       ON CONFLICT (tenant_id) DO UPDATE SET state = 'moving', schema_name = EXCLUDED.schema_name, created_at = now()`,
      [from.schema],
    ),
  );
  await source.query(`SELECT pg_advisory_lock(${DATA_LOCK})`, [tenantId]);
  await source.query(`SELECT pg_advisory_unlock(${DATA_LOCK})`, [tenantId]);
}

/** Makes the Worker read the tenant's record again (its location, whether it moves) on its next request. */
export async function invalidate(
  deps: AdminDeps,
  main: pg.Client,
  tenantId: string,
  log: (m: string) => void,
): Promise<void> {
  const { rows } = await asOwner(main, tenantId, () => main.query<{ id: string }>("SELECT id FROM public.api_keys"));
  try {
    await invalidateWorkerCache(
      deps.shards,
      rows.map((r) => r.id),
      [tenantId],
    );
  } catch (err) {
    log(`warning: ${(err as Error).message}`);
  }
}

/** Throws unless every table has the same row count and checksum on both sides, and as many rows as were copied. */
export async function verify(
  tenantId: string,
  tables: DataTable[],
  sides: { from: Side; to: Side },
  copied: Record<string, number>,
): Promise<void> {
  const [a, b] = [await tableSums(tenantId, tables, sides.from), await tableSums(tenantId, tables, sides.to)];
  for (const t of tables) {
    const [x, y] = [a[t.name], b[t.name]];
    if (!x || !y || x.rows !== y.rows || x.sum !== y.sum || x.rows !== copied[t.name]) {
      throw new Error(
        `verification failed for ${t.name}: source ${x?.rows} rows (${x?.sum.slice(0, 8)}), ` +
          `target ${y?.rows} rows (${y?.sum.slice(0, 8)}), copied ${copied[t.name]}`,
      );
    }
  }
}

/** After the switch: seals the source (its fence says `moved`), removes the old copy, ends the journal. */
export async function finish(
  admin: DataAdmin,
  main: pg.Client,
  tenantId: string,
  j: JournalRow,
  log: (m: string) => void,
  afterStep?: (step: MoveStep) => void | Promise<void>,
): Promise<void> {
  const { from, to } = await locationsOf(admin, tenantId, j);
  if (j.step === "switched") {
    // In one database the switch itself sealed the old copy's fence.
    if (!sameDatabase(from, to)) {
      const source = await sideOf(admin, from);
      try {
        await asOwner(source.client, tenantId, () =>
          source.client.query("UPDATE public.data_fences SET state = 'moved'"),
        );
      } finally {
        await source.client.end().catch(() => {});
      }
    }
    await journalStep(main, tenantId, "sealed");
    log("sealed: the old copy refuses every call (a Worker with the old location retries and learns the new one)");
    await afterStep?.("sealed");
  }
  await removeCopy(admin, tenantId, from, to, main);
  log(`removed the old copy (${describe(from)})`);
  await endJournal(main, tenantId);
}

/** Before the switch: lifts the fence, removes the target's partial copy, ends the journal. */
export async function rollBack(
  deps: AdminDeps,
  admin: DataAdmin,
  main: pg.Client,
  tenantId: string,
  j: JournalRow,
  log: (m: string) => void,
): Promise<void> {
  const { from, to } = await locationsOf(admin, tenantId, j);
  const source = await sideOf(admin, from);
  try {
    await asOwner(source.client, tenantId, () => source.client.query("DELETE FROM public.data_fences"));
  } finally {
    await source.client.end().catch(() => {});
  }
  await asOwner(main, tenantId, () => main.query("UPDATE public.tenants SET data_moving_since = NULL"));
  await invalidate(deps, main, tenantId, log);
  await removeCopy(admin, tenantId, to, from, main, j.created_database);
  await endJournal(main, tenantId);
  log(`rolled back: the tenant stays on ${describe(from)}; the target's copy is removed`);
}

/**
 * Removes the tenant's copy at `gone` (the other copy being at `kept`): a shared copy's rows, a schema, a database
 * the tiers created (by its default name, or `created` for a move's target), else the tenant tables in it.
 */
export async function removeCopy(
  admin: DataAdmin,
  tenantId: string,
  gone: Location,
  kept: Location,
  main: pg.Client,
  created?: boolean,
): Promise<void> {
  if (gone.isolation === "shared") {
    // The tables are those of the other copy (public also holds the control plane's tables).
    const pure = await sideOf(admin, kept);
    try {
      await deleteRows(tenantId, await dataTables(pure), { client: main, schema: "public" });
    } finally {
      await pure.client.end().catch(() => {});
    }
    return;
  }
  if (gone.isolation === "schema") {
    await main.query(`DROP SCHEMA IF EXISTS ${quoteIdent(checkedSchema(gone.schema as string))} CASCADE`);
    return;
  }
  const url = gone.adminUrl as string;
  const ours = created ?? isDefaultDatabase(admin, tenantId, url);
  await discardLocation(
    admin,
    { isolation: "database", schema: null, dataUrl: null, adminUrl: url, createdDatabase: ours },
    { tablesOnly: !ours },
  );
}

/** Whether `url` names the database the tiers make for the tenant by default (`<main database>_<id hex>`). */
export function isDefaultDatabase(admin: DataAdmin, tenantId: string, url: string): boolean {
  const main = decodeURIComponent(new URL(admin.adminDatabaseUrl).pathname.slice(1));
  return decodeURIComponent(new URL(url).pathname.slice(1)) === `${main}_${tenantId.replace(/-/g, "")}`;
}
