import * as z from "zod";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { documentPageStatement, positionOf } from "../core/document-page.ts";
import { DOCUMENT_COLUMNS, Id, toDocument, type Document, workspaceArgument } from "../core/documents.ts";
import { csvRecord } from "./csv.ts";
import { READ_ONLY } from "../annotations.ts";

/** Documents read per round trip. */
export const EXPORT_PAGE_SIZE = 200;
/**
 * Workspaces with more documents than this export as a task (MCP tasks extension, docs/tasks.md) for a client that
 * negotiated it: the call answers at once and the export runs on the task engine, its result read with `tasks/get`.
 */
export const EXPORT_TASK_MIN_DOCUMENTS = 500;
/** Largest export returned inline, in UTF-8 bytes; the whole response must fit a Worker's memory comfortably. */
const EXPORT_MAX_BYTES = 10 * 1024 * 1024;

const FORMATS = {
  jsonl: { mimeType: "application/jsonl" },
  csv: { mimeType: "text/csv" },
} as const;

/** Column order of both formats. */
export const EXPORT_COLUMNS = ["id", "workspace_id", "title", "body", "created_at", "updated_at"] as const;

const Output = z.object({
  workspace_id: Id,
  format: z.enum(["jsonl", "csv"]),
  uri: z.string().describe("URI of the embedded resource holding the export"),
  mime_type: z.string(),
  document_count: z.number().int(),
  bytes: z.number().int().describe("UTF-8 size of the export"),
});

/** Exports all documents of a workspace as JSON Lines or CSV, returned as an embedded resource. */
export const exportWorkspace = defineTool({
  name: "export_workspace",
  title: "Export workspace",
  description:
    "Exports every document of a workspace (id, workspace_id, title, body, created_at, updated_at) as JSON Lines " +
    `or CSV (RFC 4180, with a header row), returned as an embedded resource. Limit: ${EXPORT_MAX_BYTES / 1024 / 1024} MiB.`,
  feature: "bulk_export",
  input: z.object({
    workspace_id: workspaceArgument(Id, "Workspace to export"),
    format: z.enum(["jsonl", "csv"]).default("jsonl"),
  }),
  output: Output,
  annotations: READ_ONLY,
  taskSupport: "optional",
  // One count (RLS: another tenant's workspace counts 0, and then answers "not found" in the request).
  async taskWhen(args, ctx) {
    const [row] = await ctx.db.query(
      "select count(*)::int as n from documents where workspace_id = $1",
      [args.workspace_id],
      { readOnly: true, signal: ctx.signal },
    );
    return Number(row?.n ?? 0) > EXPORT_TASK_MIN_DOCUMENTS;
  },
  async handler(args, ctx) {
    const encoder = new TextEncoder();
    const opts = { readOnly: true, signal: ctx.signal };
    const [head, firstPage] = await ctx.db.batch(
      [
        {
          text: "select (select count(*) from documents d where d.workspace_id = w.id)::int as n from workspaces w where w.id = $1",
          params: [args.workspace_id],
        },
        documentPageStatement(DOCUMENT_COLUMNS, args.workspace_id, null, EXPORT_PAGE_SIZE + 1),
      ],
      opts,
    );
    const [workspace] = head ?? [];
    if (!workspace) return errorResult(Messages.workspaceNotFound);
    let total = Number(workspace.n);

    const chunks: string[] = args.format === "csv" ? [csvRecord(EXPORT_COLUMNS)] : [];
    let bytes = encoder.encode(chunks.join("")).length;
    let done = 0;
    let rows = firstPage ?? [];
    for (;;) {
      const page = rows.slice(0, EXPORT_PAGE_SIZE);
      for (const row of page) {
        const line = args.format === "csv" ? csvLine(toDocument(row)) : `${JSON.stringify(pick(toDocument(row)))}\n`;
        bytes += encoder.encode(line).length;
        if (bytes > EXPORT_MAX_BYTES) {
          return errorResult(`The workspace is too large to export in one call (over ${EXPORT_MAX_BYTES} bytes).`);
        }
        chunks.push(line);
      }
      done += page.length;
      // Documents may be added while we read; the count came from the first snapshot.
      total = Math.max(total, done);
      const last = page.at(-1);
      const more = rows.length > EXPORT_PAGE_SIZE && last !== undefined;
      await ctx.progress(done, more ? total : done, `${done} documents`);
      if (!more) break;
      // Each later page is its own round trip (and snapshot); keyset order still yields every row at most once.
      const next = documentPageStatement(DOCUMENT_COLUMNS, args.workspace_id, positionOf(last), EXPORT_PAGE_SIZE + 1);
      rows = await ctx.db.query(next.text, next.params, opts);
    }

    const { mimeType } = FORMATS[args.format];
    const uri = `tenant-mcp://exports/workspaces/${args.workspace_id}.${args.format}`;
    const out: z.output<typeof Output> = {
      workspace_id: args.workspace_id,
      format: args.format,
      uri,
      mime_type: mimeType,
      document_count: done,
      bytes,
    };
    return dataResult(out, [{ type: "resource", resource: { uri, mimeType, text: chunks.join("") } }]);
  },
});

function pick(doc: Document): Record<(typeof EXPORT_COLUMNS)[number], string> {
  return {
    id: doc.id,
    workspace_id: doc.workspace_id,
    title: doc.title,
    body: doc.body,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
}

function csvLine(doc: Document): string {
  const row = pick(doc);
  return csvRecord(EXPORT_COLUMNS.map((c) => row[c]));
}
