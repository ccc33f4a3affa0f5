import { z } from "zod";
import { defineTool } from "../define.ts";
import { dataResult } from "../result.ts";
import { Id, iso } from "./documents.ts";

/** Most workspaces one call returns; a tenant with more should get pagination here too. */
export const WORKSPACES_MAX = 1000;

const Output = z.object({
  workspaces: z.array(
    z.object({ id: Id, name: z.string(), created_at: z.iso.datetime(), document_count: z.number().int() }),
  ),
  truncated: z.boolean().describe(`true when the tenant has more than ${WORKSPACES_MAX} workspaces`),
});

/** Lists the tenant's workspaces, oldest first, with their document counts. */
export const listWorkspaces = defineTool({
  name: "list_workspaces",
  title: "List workspaces",
  description: "Lists the workspaces of this account (id, name, creation time, number of documents), oldest first.",
  feature: "core",
  input: z.object({}),
  output: Output,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, ctx) {
    const rows = await ctx.db.query(
      `select w.id, w.name, w.created_at,
              (select count(*) from documents d where d.workspace_id = w.id)::int as document_count
         from workspaces w
        order by w.created_at, w.id
        limit $1`,
      [WORKSPACES_MAX + 1],
      { readOnly: true, signal: ctx.signal },
    );
    const out: z.output<typeof Output> = {
      workspaces: rows.slice(0, WORKSPACES_MAX).map((r) => ({
        id: String(r.id),
        name: String(r.name),
        created_at: iso(r.created_at),
        document_count: Number(r.document_count),
      })),
      truncated: rows.length > WORKSPACES_MAX,
    };
    return dataResult(out);
  },
});
