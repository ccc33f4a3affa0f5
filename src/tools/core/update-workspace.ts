import * as z from "zod";
import { TenantDbError } from "../../db/tenant-db.ts";
import { RETRY_WITH_KEY } from "../annotations.ts";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { Id } from "./documents.ts";
import { toWorkspace, UNIQUE_VIOLATION, Workspace, WORKSPACE_COLUMNS, WorkspaceName } from "./workspaces.ts";

const Output = z.object({ workspace: Workspace });

/**
 * Renames a workspace and/or archives or restores it. Archived workspaces are left out of `list_workspaces` unless
 * asked for and take no new documents; their documents stay readable, searchable and editable.
 */
export const updateWorkspace = defineTool({
  name: "update_workspace",
  title: "Update workspace",
  description:
    "Renames a workspace and/or archives it (archived: true) or restores it (archived: false). An archived workspace " +
    `is hidden from list_workspaces by default and takes no new documents; its documents stay readable and editable. ${RETRY_WITH_KEY}`,
  feature: "core",
  input: z
    .object({
      id: Id.describe("Workspace id"),
      name: WorkspaceName.optional(),
      archived: z.boolean().optional().describe("true archives, false restores"),
    })
    .refine((v) => v.name !== undefined || v.archived !== undefined, { message: "Give name, archived or both" }),
  output: Output,
  // Overwrites the name (destructive); the same call twice leaves the same state (idempotent): archiving an archived
  // workspace keeps its first archived_at.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handler(args, ctx) {
    let rows: Record<string, unknown>[];
    try {
      // RLS hides other tenants' rows from UPDATE, so their ids match nothing, like ids that exist nowhere.
      rows = await ctx.db.query(
        `update workspaces as w
            set name = coalesce($2, w.name),
                archived_at = case when $3::boolean is null then w.archived_at
                                   when $3::boolean then coalesce(w.archived_at, now())
                                   else null end
          where w.id = $1
          returning ${WORKSPACE_COLUMNS}`,
        [args.id, args.name ?? null, args.archived ?? null],
        { signal: ctx.signal },
      );
    } catch (err) {
      // The unique index leads with tenant_id: only the caller's own names can collide.
      if (err instanceof TenantDbError && err.code === UNIQUE_VIOLATION)
        return errorResult(Messages.workspaceNameTaken);
      throw err;
    }
    const [row] = rows;
    if (!row) return errorResult(Messages.workspaceNotFound);
    const out: z.output<typeof Output> = { workspace: toWorkspace(row) };
    return dataResult(out);
  },
});
