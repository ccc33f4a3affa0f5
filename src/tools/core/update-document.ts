import * as z from "zod";
import { RETRY_WITH_KEY } from "../annotations.ts";
import { documentUri } from "../../resources/documents.ts";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { BODY_MAX, DocumentSummary, Id, SUMMARY_COLUMNS, TITLE_MAX, toSummary } from "./documents.ts";

const Output = z.object({ document: DocumentSummary });

/** Replaces a document's title and/or body. */
export const updateDocument = defineTool({
  name: "update_document",
  title: "Update document",
  description: `Replaces the title and/or the body of a document. Fields left out keep their value. ${RETRY_WITH_KEY}`,
  feature: "core",
  input: z
    .object({
      id: Id.describe("Document id"),
      title: z.string().min(1).max(TITLE_MAX).optional(),
      body: z.string().max(BODY_MAX).optional().describe("The new body, replacing the old one entirely"),
    })
    .refine((v) => v.title !== undefined || v.body !== undefined, { message: "Give title, body or both" }),
  output: Output,
  // Overwrites content (destructive); the same call twice leaves the same state (idempotent).
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  // An updated document is an update of its resource (documents://{id}).
  changes: (args) => [{ kind: "resource_updated", uri: documentUri(args.id) }],
  async handler(args, ctx) {
    // RLS hides other tenants' rows from UPDATE, so their ids match nothing, like ids that exist nowhere.
    // updated_at is set by the documents_set_updated_at trigger.
    const [row] = await ctx.db.query(
      `update documents as d
          set title = coalesce($2, d.title), body = coalesce($3, d.body)
        where d.id = $1
        returning ${SUMMARY_COLUMNS}`,
      [args.id, args.title ?? null, args.body ?? null],
      { signal: ctx.signal },
    );
    if (!row) return errorResult(Messages.documentNotFound);
    const out: z.output<typeof Output> = { document: toSummary(row) };
    return dataResult(out);
  },
});
