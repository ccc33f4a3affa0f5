import * as z from "zod";
import { iso } from "../../db/timestamps.ts";

/** Longest title a client may write, in characters. */
export const TITLE_MAX = 500;
/** Longest body a client may write, in characters (the HTTP body cap bounds it first). */
export const BODY_MAX = 500_000;

/**
 * Ids in tool input. `z.guid()` accepts any 8-4-4-4-12 hex string, exactly what Postgres' `uuid` accepts in canonical
 * form; anything else is refused here and never reaches a `::uuid` cast (whose error would otherwise surface).
 */
export const Id = z.guid();

/** The `x-mcp-header` name of every tool's `workspace_id` argument: 2026-07-28 clients send `Mcp-Param-Workspace`. */
export const WORKSPACE_HEADER = "Workspace";

/**
 * A tool's `workspace_id` argument. 2026-07-28 clients mirror it into the `Mcp-Param-Workspace` header (SEP-2243), so
 * a gateway, and this Worker's log line, see which workspace a call touches without reading the body; the stateless
 * lane refuses a call whose header disagrees with the argument (src/mcp/param-headers.ts).
 */
export function workspaceArgument<T extends z.ZodType>(schema: T, description: string): T {
  return schema.describe(description).meta({ "x-mcp-header": WORKSPACE_HEADER }) as T;
}

const Timestamp = z.iso.datetime().describe("ISO 8601, UTC");

/** A document without its body, as lists return it. */
export const DocumentSummary = z.object({
  id: Id,
  workspace_id: Id,
  title: z.string(),
  size_bytes: z.number().int().describe("UTF-8 size of the body in bytes"),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type DocumentSummary = z.output<typeof DocumentSummary>;

/** A whole document. */
export const Document = DocumentSummary.extend({ body: z.string() });
export type Document = z.output<typeof Document>;

/** The select list matching {@link DocumentSummary} for a `documents d` row. */
export const SUMMARY_COLUMNS =
  "d.id, d.workspace_id, d.title, octet_length(d.body) as size_bytes, d.created_at, d.updated_at";
/** The select list matching {@link Document}. */
export const DOCUMENT_COLUMNS = `${SUMMARY_COLUMNS}, d.body`;

/** Maps a row selected with {@link SUMMARY_COLUMNS}. */
export function toSummary(row: Record<string, unknown>): DocumentSummary {
  return {
    id: String(row.id),
    workspace_id: String(row.workspace_id),
    title: String(row.title),
    size_bytes: Number(row.size_bytes),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Maps a row selected with {@link DOCUMENT_COLUMNS}. */
export function toDocument(row: Record<string, unknown>): Document {
  return { ...toSummary(row), body: String(row.body) };
}
