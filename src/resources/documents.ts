import * as z from "zod";
import { DOCUMENT_COLUMNS, Id, toDocument } from "../tools/core/documents.ts";
import { defineResourceTemplate } from "./define.ts";

/** How many documents `resources/list` offers: the most recently updated ones. */
const RECENT_DOCUMENTS = 50;

const PREFIX = "tenant-mcp://documents/";

/** The URI of a document resource. */
export function documentUri(id: string): string {
  return `${PREFIX}${id}`;
}

/** A document as Markdown: its title as a heading, then its body. */
export const documentResource = defineResourceTemplate({
  uriTemplate: `${PREFIX}{id}`,
  name: "document",
  title: "Document",
  description: "A document of this account as Markdown (title as heading, then the body).",
  mimeType: "text/markdown",
  feature: "core",
  params: z.object({ id: Id }),
  async read({ id }, uri, ctx) {
    const [row] = await ctx.db.query(`select ${DOCUMENT_COLUMNS} from documents d where d.id = $1`, [id], {
      readOnly: true,
      signal: ctx.signal,
    });
    if (!row) return null;
    const doc = toDocument(row);
    return { contents: [{ uri, mimeType: "text/markdown", text: `# ${doc.title}\n\n${doc.body}` }] };
  },
  async list(ctx) {
    const rows = await ctx.db.query(
      `select d.id, d.title, octet_length(d.title) + octet_length(d.body) + 4 as size
         from documents d
        order by d.updated_at desc, d.id
        limit $1`,
      [RECENT_DOCUMENTS],
      { readOnly: true, signal: ctx.signal },
    );
    return rows.map((r) => ({
      uri: documentUri(String(r.id)),
      name: String(r.title),
      title: String(r.title),
      mimeType: "text/markdown",
      size: Number(r.size),
    }));
  },
});
