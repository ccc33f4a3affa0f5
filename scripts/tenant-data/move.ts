/**
 * Moving a tenant's data between isolation tiers (docs/isolation.md, "Moving a tenant"): prepare the target, fence
 * the source (the Worker answers the tenant's writes with 503 meanwhile), wait out writes in flight, copy, verify,
 * switch the tenant's location in one transaction, seal the source, remove the old copy. The journal
 * (public.tenant_moves) records each step, so a move killed anywhere is rolled back, or finished when past the switch,
 * by the next move of the tenant or by `abortMove`. A failure before the switch rolls back at once: the tenant stays
 * where it was, whole.
 */
import type pg from "pg";
import { ControlError } from "../../src/control/errors.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import { connect } from "../migrate/database.ts";
import { copyRows, dataTables, type Side } from "./copy.ts";
import type { DataAdmin } from "./data-admin.ts";
import { tenantSchemaName } from "./data-files.ts";
import {
  journalStep,
  JOURNAL_STEP_SQL,
  pastSwitch,
  readJournal,
  startJournal,
  type JournalRow,
  type MoveStep,
} from "./journal.ts";
import { databaseUrls, prepareLocation, type Placement } from "./location.ts";
import { asOwner, openData, sealData } from "./locations.ts";
import { databaseExists, describe, sameDatabase, sideOf, type Location, type Tier } from "./move-ends.ts";
import { fence, finish, invalidate, pureSide, rollBack, verify } from "./move-steps.ts";

export { MOVE_STEPS, type MoveStep } from "./journal.ts";

/** Options of {@link moveTenant}. */
export interface MoveOptions {
  /**
   * Called after each step is recorded in the journal: the fault hook of the tests (and of `TENANT_MOVE_FAULT` in the
   * CLI). Throwing {@link MoveKilled} stops the move as a killed process would (nothing is undone: the next move
   * recovers); any other error fails the move (rolled back at once before the switch).
   */
  afterStep?: (step: MoveStep) => void | Promise<void>;
}

/** Thrown by an `afterStep` hook to stop a move the way a kill would: no roll-back, connections just closed. */
export class MoveKilled extends Error {
  override name = "MoveKilled";
}

/** What a move did. */
export interface MoveResult {
  tenant: { id: string; slug: string };
  from: Tier;
  to: Tier;
  /** Rows copied per table. */
  rows: Record<string, number>;
  /** An unfinished earlier move of the tenant found first: rolled back or finished; null when there was none. */
  recovered: "rolled back" | "finished" | null;
}

const MOVE_LOCK = "hashtextextended('tenant_mcp:move:' || $1, 0)";

/**
 * Moves tenant `slug`'s data to `placement`'s tier (a database-tier tenant may also move to another database). An
 * unfinished earlier move of the tenant is recovered first. Throws when the tenant is already there, when another
 * move of it runs, or when a step fails (after rolling back, before the switch).
 */
export async function moveTenant(
  deps: AdminDeps,
  admin: DataAdmin,
  slug: string,
  placement: Placement,
  options: MoveOptions = {},
): Promise<MoveResult> {
  const log = admin.log ?? ((): void => {});
  return withMoveLock(admin, slug, async (main, tenantId) => {
    const recovered = await recover(deps, admin, main, tenantId);
    const from = await currentLocation(admin, main, tenantId);
    const to = await plannedTarget(admin, tenantId, placement);
    if (from.isolation === to.isolation && (to.isolation !== "database" || sameDatabase(from, to))) {
      if (recovered === "finished")
        return { tenant: { id: tenantId, slug }, from: to.isolation, to: to.isolation, rows: {}, recovered };
      throw new ControlError("conflict", `tenant "${slug}" is already on ${describe(to)}`);
    }
    const sealed = await sealedEnds(admin, tenantId, main, to);
    const createdDatabase = to.isolation === "database" ? !(await databaseExists(to.adminUrl as string)) : false;
    await startJournal(main, tenantId, {
      from_isolation: from.isolation,
      from_schema: from.schema,
      from_data_url: sealed.fromDataUrl,
      from_admin_url: sealed.fromAdminUrl,
      to_isolation: to.isolation,
      to_schema: to.schema,
      to_data_url: sealed.toDataUrl,
      to_admin_url: sealed.toAdminUrl,
      created_database: createdDatabase,
    });
    log(`move ${slug}: from ${describe(from)} to ${describe(to)}`);
    const step = async (done: MoveStep, message: string): Promise<void> => {
      if (done !== "started") await journalStep(main, tenantId, done);
      log(`move ${slug}: ${done}: ${message}`);
      await options.afterStep?.(done);
    };
    const fromSide = await sideOf(admin, from);
    // The target's connection opens once it is prepared (a database may not exist before).
    let toSide: Side | null = null;
    let switched = false;
    try {
      await step("started", "journal written");
      // The target, empty and ready (no fence of an earlier move out of it left behind).
      if (to.isolation !== "shared") await prepareLocation({ ...admin, log: () => {} }, tenantId, placement);
      const target = await sideOf(admin, to);
      toSide = target;
      if (!sameDatabase(from, to))
        await asOwner(target.client, tenantId, () => target.client.query("DELETE FROM public.data_fences"));
      await step("prepared", `target ${describe(to)} ready`);

      await fence(deps, main, fromSide, tenantId);
      await step("fenced", "writes refused (503) and writes in flight done");

      const sides = { from: fromSide, to: target };
      const tables = await dataTables(pureSide(sides, from));
      const rows = await copyRows(tenantId, tables, sides.from, sides.to);
      await step(
        "copied",
        Object.entries(rows)
          .map(([t, n]) => `${t} ${n}`)
          .join(", ") || "no tables",
      );

      await verify(tenantId, tables, sides, rows);
      await step("verified", "row counts and checksums equal on both sides");

      await asOwner(main, tenantId, async () => {
        await main.query(
          `UPDATE public.tenants SET isolation = $1, data_schema = $2, data_url = $3, data_moving_since = NULL`,
          [to.isolation, to.schema, sealed.toDataUrl],
        );
        await main.query("DELETE FROM public.tenant_databases");
        if (sealed.toAdminUrl)
          await main.query("INSERT INTO public.tenant_databases (admin_url) VALUES ($1)", [sealed.toAdminUrl]);
        // One database holds both copies: its fence (for the old copy's schema only) says `moved` from this commit on.
        if (sameDatabase(from, to)) await main.query("UPDATE public.data_fences SET state = 'moved'");
        await main.query(JOURNAL_STEP_SQL, ["switched"]);
      });
      switched = true;
      await invalidate(deps, main, tenantId, log);
      log(`move ${slug}: switched: the tenant's data is on ${describe(to)}`);
      await options.afterStep?.("switched");

      await finish(
        admin,
        main,
        tenantId,
        await readJournalOrFail(main, tenantId),
        (m) => log(`move ${slug}: ${m}`),
        options.afterStep,
      );
      log(`move ${slug}: done`);
      return { tenant: { id: tenantId, slug }, from: from.isolation, to: to.isolation, rows, recovered };
    } catch (err) {
      if (err instanceof MoveKilled) throw err;
      if (switched) {
        throw new ControlError(
          "unavailable",
          `the tenant's data is on ${describe(to)}, but removing the old copy failed (${(err as Error).message}); ` +
            `run \`tenant move ${slug} --abort\` to finish`,
          { cause: err },
        );
      }
      try {
        await rollBack(deps, admin, main, tenantId, await readJournalOrFail(main, tenantId), (m) =>
          log(`move ${slug}: ${m}`),
        );
      } catch (undo) {
        throw new ControlError(
          "unavailable",
          `the move failed (${(err as Error).message}) and so did rolling it back (${(undo as Error).message}); ` +
            `run \`tenant move ${slug} --abort\` again`,
          { cause: err },
        );
      }
      throw new ControlError(
        "unavailable",
        `the move failed (${(err as Error).message}); rolled back: the tenant stays on ${describe(from)}, whole`,
        { cause: err },
      );
    } finally {
      await fromSide.client.end().catch(() => {});
      await toSide?.client.end().catch(() => {});
    }
  });
}

/**
 * Ends tenant `slug`'s unfinished move: rolls it back before the switch, finishes it after. Returns what it did
 * (null: there was no unfinished move) and where the tenant's data is now.
 */
export async function abortMove(
  deps: AdminDeps,
  admin: DataAdmin,
  slug: string,
): Promise<{ tenant: { id: string; slug: string }; recovered: "rolled back" | "finished" | null; isolation: Tier }> {
  return withMoveLock(admin, slug, async (main, tenantId) => {
    const recovered = await recover(deps, admin, main, tenantId);
    const now = await currentLocation(admin, main, tenantId);
    return { tenant: { id: tenantId, slug }, recovered, isolation: now.isolation };
  });
}

async function withMoveLock<T>(
  admin: DataAdmin,
  slug: string,
  fn: (main: pg.Client, tenantId: string) => Promise<T>,
): Promise<T> {
  const main = await connect(admin.adminDatabaseUrl, "tenant-mcp-move");
  try {
    const { rows } = await asOwner(main, null, () =>
      main.query<{ id: string | null }>("SELECT public.directory_tenant_id($1)::text AS id", [slug]),
    );
    const tenantId = rows[0]?.id;
    if (!tenantId) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
    // Session-level, on the main database: one mover per tenant; a killed mover's lock ends with its connection.
    const lock = await main.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${MOVE_LOCK}) AS ok`, [tenantId]);
    if (!lock.rows[0]?.ok) throw new ControlError("conflict", `another move of tenant "${slug}" is running`);
    return await fn(main, tenantId);
  } finally {
    await main.end().catch(() => {});
  }
}

/** Rolls back or finishes an unfinished move, if the journal has one. */
async function recover(
  deps: AdminDeps,
  admin: DataAdmin,
  main: pg.Client,
  tenantId: string,
): Promise<"rolled back" | "finished" | null> {
  const log = admin.log ?? ((): void => {});
  const journal = await readJournal(main, tenantId);
  if (!journal) return null;
  if (pastSwitch(journal.step)) {
    log(`found an unfinished move (last step: ${journal.step}, past the switch): finishing it`);
    await finish(admin, main, tenantId, journal, log);
    return "finished";
  }
  log(`found an unfinished move (last step: ${journal.step}): rolling it back`);
  await rollBack(deps, admin, main, tenantId, journal, log);
  return "rolled back";
}

async function readJournalOrFail(main: pg.Client, tenantId: string): Promise<JournalRow> {
  const journal = await readJournal(main, tenantId);
  if (!journal) throw new Error("the move journal is gone");
  return journal;
}

async function currentLocation(admin: DataAdmin, main: pg.Client, tenantId: string): Promise<Location> {
  const { rows } = await asOwner(main, tenantId, () =>
    main.query<{ isolation: Tier; data_schema: string | null; admin_url: string | null }>(
      `SELECT t.isolation, t.data_schema, (SELECT d.admin_url FROM public.tenant_databases AS d) AS admin_url
         FROM public.tenants AS t`,
    ),
  );
  const row = rows[0];
  if (!row) throw new Error("the tenant row is gone");
  if (row.isolation === "database" && !row.admin_url)
    throw new Error("no admin URL is recorded for the tenant's database");
  return {
    isolation: row.isolation,
    schema: row.data_schema,
    adminUrl: row.admin_url ? await openData(admin.dataSecretKey, tenantId, row.admin_url) : null,
  };
}

async function plannedTarget(
  admin: DataAdmin,
  tenantId: string,
  placement: Placement,
): Promise<Location & { dataUrl: string | null }> {
  if (placement.isolation === "database") {
    const { dataUrl, adminUrl } = databaseUrls(admin, tenantId, placement);
    return { isolation: "database", schema: null, adminUrl, dataUrl };
  }
  return {
    isolation: placement.isolation,
    schema: placement.isolation === "schema" ? tenantSchemaName(tenantId) : null,
    adminUrl: null,
    dataUrl: null,
  };
}

/** The journal's ends: the source's stored seals as they are, the target's sealed now. */
async function sealedEnds(
  admin: DataAdmin,
  tenantId: string,
  main: pg.Client,
  to: Location & { dataUrl: string | null },
) {
  const { rows } = await asOwner(main, tenantId, () =>
    main.query<{ data_url: string | null; admin_url: string | null }>(
      "SELECT t.data_url, (SELECT d.admin_url FROM public.tenant_databases AS d) AS admin_url FROM public.tenants AS t",
    ),
  );
  return {
    fromDataUrl: rows[0]?.data_url ?? null,
    fromAdminUrl: rows[0]?.admin_url ?? null,
    toDataUrl: to.dataUrl ? await sealData(admin.dataSecretKey, tenantId, to.dataUrl) : null,
    toAdminUrl: to.adminUrl ? await sealData(admin.dataSecretKey, tenantId, to.adminUrl) : null,
  };
}
