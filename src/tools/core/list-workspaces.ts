import * as z from "zod";
import { defineTool } from "../define.ts";
import { dataResult } from "../result.ts";
import { toWorkspace, Workspace, WORKSPACE_COLUMNS } from "./workspaces.ts";
import { READ_ONLY } from "../annotations.ts";

/** Most workspaces one call returns; a tenant with more should get pagination here too. */
const WORKSPACES_MAX = 1000;

const Output = z.object({
  workspaces: z.array(Workspace),
  truncated: z.boolean().describe(`true when the tenant has more than ${WORKSPACES_MAX} workspaces`),
});

/** Lists the tenant's workspaces, oldest first, with their document counts. */
export const listWorkspaces = defineTool({
  name: "list_workspaces",
  title: "List workspaces",
  description:
    "Lists the workspaces of this account (id, name, creation time, number of documents), oldest first. Archived " +
    "workspaces are left out unless include_archived is true.",
  feature: "core",
  input: z.object({
    include_archived: z.boolean().default(false).describe("Also list archived workspaces"),
  }),
  output: Output,
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const rows = await ctx.db.query(
      `select ${WORKSPACE_COLUMNS}
         from workspaces w
        where $2::boolean or w.archived_at is null
        order by w.created_at, w.id
        limit $1`,
      [WORKSPACES_MAX + 1, args.include_archived],
      { readOnly: true, signal: ctx.signal },
    );
    const out: z.output<typeof Output> = {
      workspaces: rows.slice(0, WORKSPACES_MAX).map(toWorkspace),
      truncated: rows.length > WORKSPACES_MAX,
    };
    return dataResult(out);
  },
});
