import { abortMove, moveTenant, type MoveOptions } from "../tenant-data/move.ts";
import { usageError } from "./admin-error.ts";
import type { Command } from "./command.ts";
import { dataAdminOf, placementOf, TIER_HELP, TIER_OPTIONS } from "./tier-options.ts";

/** `TENANT_MOVE_FAULT=<step>[:exit]`: the fault hook of the move tests (fail after the step, or exit abruptly). */
function faultHook(env: NodeJS.ProcessEnv): MoveOptions["afterStep"] {
  const spec = env.TENANT_MOVE_FAULT;
  if (!spec) return undefined;
  const [after, mode] = spec.split(":");
  return (step) => {
    if (step !== after) return;
    // 75: what a killed move looks like to whoever started it; the journal is left for the next move to recover.
    if (mode === "exit") process.exit(75);
    throw new Error(`injected fault after step ${step} (TENANT_MOVE_FAULT)`);
  };
}

/** `tenant move`: a tenant's data to another isolation tier (scripts/tenant-data/move.ts). */
export const MOVE_COMMAND: Command = {
  words: ["tenant", "move"],
  args: ["slug"],
  options: { ...TIER_OPTIONS, abort: { type: "boolean" } },
  summary: "move a tenant's data to another isolation tier",
  synopsis: "<slug> --isolation shared|schema|database [--database-url <url>] [--admin-database-url <url>] | --abort",
  details: `Prepares the target, refuses the tenant's writes (503 with Retry-After, only this tenant's) and waits out the
writes in flight, copies every row (ids and timestamps kept), verifies row counts and a checksum per table on both
sides, switches the tenant's location in one transaction, then removes the old copy (the rows in public, the schema,
or the database: dropped when the tiers created it, else its tenant tables). Reads go on throughout. One progress line
per step on stderr. A failure before the switch rolls back: the tenant stays where it was, whole. A move that was
killed is found by the next \`tenant move\` of the tenant, rolled back (or finished, past the switch), then run.
A database-tier tenant may move to another database.

${TIER_HELP}
  --abort               only end an unfinished move: roll it back, or finish it when past the switch
Needs DATABASE_ADMIN_URL and DATA_SECRET_KEY (locally .dev.vars has them).
JSON: {"moved": {"tenant": {...}, "from": "...", "to": "...", "rows": {"workspaces": n, ...}, "recovered": ...}}
  or with --abort: {"aborted": {"tenant": {...}, "recovered": "rolled back" | "finished" | null, "isolation": "..."}}`,
  async run(deps, [slug], values, io) {
    const log = (line: string): void => io.progress(line);
    if (values.abort === true) {
      if (values.isolation !== undefined) throw usageError("--abort takes no --isolation");
      const aborted = await abortMove(deps, dataAdminOf(deps, log), slug as string);
      const what = aborted.recovered ? `${aborted.recovered} the unfinished move` : "no unfinished move";
      return { json: { aborted }, human: `${slug}: ${what}; its data is on ${aborted.isolation}` };
    }
    const placement = placementOf(values);
    const moved = await moveTenant(deps, dataAdminOf(deps, log), slug as string, placement, {
      afterStep: faultHook(io.env),
    });
    const rows =
      Object.entries(moved.rows)
        .map(([t, n]) => `${n} ${t}`)
        .join(", ") || "no rows";
    return { json: { moved }, human: `moved ${slug} from ${moved.from} to ${moved.to} (${rows})` };
  },
};
