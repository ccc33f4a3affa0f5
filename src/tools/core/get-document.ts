import * as z from "zod";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { Document, DOCUMENT_COLUMNS, Id, toDocument } from "./documents.ts";
import { READ_ONLY } from "../annotations.ts";

const Output = z.object({ document: Document });

/** Reads one document with its body. */
export const getDocument = defineTool({
  name: "get_document",
  title: "Get document",
  description: "Reads one document, including its body, by id.",
  feature: "core",
  input: z.object({ id: Id.describe("Document id") }),
  output: Output,
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const [row] = await ctx.db.query(`select ${DOCUMENT_COLUMNS} from documents d where d.id = $1`, [args.id], {
      readOnly: true,
      signal: ctx.signal,
    });
    if (!row) return errorResult(Messages.documentNotFound);
    const out: z.output<typeof Output> = { document: toDocument(row) };
    return dataResult(out);
  },
});
