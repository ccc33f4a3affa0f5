/**
 * The move journal (public.tenant_moves, sql/012): one row per tenant while a move runs, written in the tenant's
 * scope on the main database, so that a move killed at any step is found and rolled back (or finished, past the
 * switch) by the next `tenant move` of that tenant.
 */
import type pg from "pg";
import { asOwner } from "./locations.ts";

/**
 * The steps of a move, in order; the journal records the last one done. Before `switched` the tenant is where it
 * was (a recovery rolls back); from `switched` on it is at the target (a recovery finishes).
 */
export const MOVE_STEPS = ["started", "prepared", "fenced", "copied", "verified", "switched", "sealed"] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

/** A journal row: the move's ends, with the target's connection strings sealed. */
export interface JournalRow {
  step: MoveStep;
  from_isolation: "shared" | "schema" | "database";
  from_schema: string | null;
  from_data_url: string | null;
  from_admin_url: string | null;
  to_isolation: "shared" | "schema" | "database";
  to_schema: string | null;
  to_data_url: string | null;
  to_admin_url: string | null;
  created_database: boolean;
}

/** Whether a recovery from `step` finishes the move (the switch is done) rather than rolling it back. */
export function pastSwitch(step: MoveStep): boolean {
  return MOVE_STEPS.indexOf(step) >= MOVE_STEPS.indexOf("switched");
}

/** The tenant's unfinished move, if any. */
export async function readJournal(main: pg.Client, tenantId: string): Promise<JournalRow | null> {
  const { rows } = await asOwner(main, tenantId, () =>
    main.query<JournalRow>(
      `SELECT step, from_isolation, from_schema, from_data_url, from_admin_url,
              to_isolation, to_schema, to_data_url, to_admin_url, created_database
         FROM public.tenant_moves`,
    ),
  );
  return rows[0] ?? null;
}

/** Records a new move at step `started`. */
export async function startJournal(main: pg.Client, tenantId: string, row: Omit<JournalRow, "step">): Promise<void> {
  await asOwner(main, tenantId, () =>
    main.query(
      `INSERT INTO public.tenant_moves (step, from_isolation, from_schema, from_data_url, from_admin_url,
                                        to_isolation, to_schema, to_data_url, to_admin_url, created_database)
       VALUES ('started', $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        row.from_isolation,
        row.from_schema,
        row.from_data_url,
        row.from_admin_url,
        row.to_isolation,
        row.to_schema,
        row.to_data_url,
        row.to_admin_url,
        row.created_database,
      ],
    ),
  );
}

/** Records that `step` is done. Run inside an owner transaction scoped to the tenant (see asOwner). */
export const JOURNAL_STEP_SQL = "UPDATE public.tenant_moves SET step = $1";

/** Records that `step` is done, in a transaction of its own. */
export async function journalStep(main: pg.Client, tenantId: string, step: MoveStep): Promise<void> {
  await asOwner(main, tenantId, () => main.query(JOURNAL_STEP_SQL, [step]));
}

/** The move is over: the journal row goes. */
export async function endJournal(main: pg.Client, tenantId: string): Promise<void> {
  await asOwner(main, tenantId, () => main.query("DELETE FROM public.tenant_moves"));
}
