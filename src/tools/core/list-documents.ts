import * as z from "zod";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { documentPageStatement, positionOf } from "./document-page.ts";
import { DocumentSummary, Id, SUMMARY_COLUMNS, toSummary, workspaceArgument } from "./documents.ts";
import { READ_ONLY } from "../annotations.ts";

const Input = z.object({
  workspace_id: workspaceArgument(Id, "Workspace to list"),
  limit: z.number().int().min(1).max(100).default(20).describe("Page size"),
  cursor: z.string().max(200).optional().describe("next_cursor of the previous page; omit for the first page"),
});

const Output = z.object({
  documents: z.array(DocumentSummary),
  next_cursor: z.string().nullable().describe("Pass as cursor to get the next page; null on the last page"),
});

/**
 * Page of a workspace's documents, newest first, with keyset pagination: concurrent inserts never shift a page, and
 * walking the cursors visits every row that existed throughout exactly once.
 */
export const listDocuments = defineTool({
  name: "list_documents",
  title: "List documents",
  description:
    "Lists the documents of a workspace, newest first, without their bodies. Returns next_cursor when more remain.",
  feature: "core",
  input: Input,
  output: Output,
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const after = args.cursor === undefined ? null : decodeCursor(args.cursor);
    if (args.cursor !== undefined && !after) return errorResult(Messages.invalidCursor);

    // One round trip: whether the workspace exists (an empty page alone cannot tell) and the page itself.
    const [exists, rows] = await ctx.db.batch(
      [
        { text: "select 1 from workspaces where id = $1", params: [args.workspace_id] },
        documentPageStatement(SUMMARY_COLUMNS, args.workspace_id, after, args.limit + 1),
      ],
      { readOnly: true, signal: ctx.signal },
    );
    if (!exists?.length) return errorResult(Messages.workspaceNotFound);

    const page = (rows ?? []).slice(0, args.limit);
    const last = page.at(-1);
    const more = (rows ?? []).length > args.limit;
    const out: z.output<typeof Output> = {
      documents: page.map(toSummary),
      next_cursor: more && last ? encodeCursor(positionOf(last)) : null,
    };
    return dataResult(out);
  },
});
