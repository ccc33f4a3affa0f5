import * as z from "zod";
import { TenantDbError } from "../../db/tenant-db.ts";
import { RETRY_WITH_KEY } from "../annotations.ts";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import {
  BODY_MAX,
  DocumentSummary,
  Id,
  SUMMARY_COLUMNS,
  TITLE_MAX,
  toSummary,
  workspaceArgument,
} from "./documents.ts";

const Output = z.object({ document: DocumentSummary });

/** Creates a document in one of the tenant's workspaces. */
export const createDocument = defineTool({
  name: "create_document",
  title: "Create document",
  description: `Creates a document in a workspace (not an archived one) and returns its id and metadata. ${RETRY_WITH_KEY}`,
  feature: "core",
  input: z.object({
    workspace_id: workspaceArgument(Id, "Workspace to create the document in"),
    title: z.string().min(1).max(TITLE_MAX),
    body: z.string().max(BODY_MAX).describe("Markdown or plain text"),
  }),
  output: Output,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  // A new document is a new resource in the list.
  changes: () => [{ kind: "resources_list_changed" }],
  async handler(args, ctx) {
    let target: Record<string, unknown>[] | undefined;
    let rows: Record<string, unknown>[] | undefined;
    try {
      // One round trip: whether the workspace is archived, and the insert from a select of the workspace. A workspace
      // the tenant cannot see (RLS) yields no row in either and nothing is written, exactly as for an id that exists
      // nowhere. tenant_id comes from the column default.
      [target, rows] = await ctx.db.batch(
        [
          {
            text: "select w.archived_at is not null as archived from workspaces w where w.id = $1",
            params: [args.workspace_id],
          },
          {
            text: `insert into documents as d (workspace_id, title, body)
                   select w.id, $2, $3 from workspaces w where w.id = $1 and w.archived_at is null
                   returning ${SUMMARY_COLUMNS}`,
            params: [args.workspace_id, args.title, args.body],
          },
        ],
        { signal: ctx.signal },
      );
    } catch (err) {
      // foreign_key_violation: the workspace was deleted between the select and the insert.
      if (err instanceof TenantDbError && err.code === "23503") return errorResult(Messages.workspaceNotFound);
      throw err;
    }
    const [row] = rows ?? [];
    if (!row)
      return errorResult(target?.[0]?.archived === true ? Messages.workspaceArchived : Messages.workspaceNotFound);
    const out: z.output<typeof Output> = { document: toSummary(row) };
    return dataResult(out);
  },
});
