/**
 * The baseline's tools: the same ten tools, names and argument schemas as the real Worker's enterprise plan,
 * written the way a first version would: zod schemas built inline on every registration (so on every request), the
 * SDK converting them to JSON Schema on every `tools/list`, and one plain query per call with no tenant scoping.
 */
import type { NeonQueryFunction } from "@neondatabase/serverless";
import { z } from "zod";

/** The query function the tools use. */
export type Sql = NeonQueryFunction<false, false>;

/** What a naive tool returns (an MCP `CallToolResult`). */
export interface NaiveResult {
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** The registration call both SDK generations offer (`McpServer.registerTool`), reduced to what the tools use. */
export type Register = (
  name: string,
  config: {
    title: string;
    description: string;
    inputSchema: z.ZodObject;
    outputSchema: z.ZodObject;
    annotations: Record<string, boolean>;
  },
  handler: (args: Record<string, unknown>) => Promise<NaiveResult>,
) => unknown;

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const SUMMARY = "id, workspace_id, title, octet_length(body) as size_bytes, created_at, updated_at";

/** Registers every tool; called once per request, like a first version would. */
export function registerNaiveTools(register: Register, sql: Sql): void {
  const summary = z.object({
    id: z.guid(),
    workspace_id: z.guid(),
    title: z.string(),
    size_bytes: z.number().int().describe("UTF-8 size of the body in bytes"),
    created_at: z.iso.datetime().describe("ISO 8601, UTC"),
    updated_at: z.iso.datetime().describe("ISO 8601, UTC"),
  });

  register(
    "list_workspaces",
    {
      title: "List workspaces",
      description: "Lists the workspaces of this account (id, name, creation time, number of documents), oldest first.",
      inputSchema: z.object({}),
      outputSchema: z.object({
        workspaces: z.array(
          z.object({ id: z.guid(), name: z.string(), created_at: z.iso.datetime(), document_count: z.number().int() }),
        ),
        truncated: z.boolean(),
      }),
      annotations: READ,
    },
    async () => {
      const rows = await sql.query(
        `select w.id, w.name, w.created_at, (select count(*) from documents d where d.workspace_id = w.id)::int as document_count
           from workspaces w order by w.created_at, w.id limit 1001`,
      );
      return data({
        workspaces: rows.slice(0, 1000).map((r) => ({ ...r, created_at: iso(r.created_at) })),
        truncated: rows.length > 1000,
      });
    },
  );

  const workspace = z.object({
    id: z.guid(),
    name: z.string(),
    created_at: z.iso.datetime(),
    archived_at: z.iso.datetime().nullable(),
    document_count: z.number().int(),
  });
  const WORKSPACE = "id, name, created_at, archived_at, 0 as document_count";
  const toWorkspace = (r: Record<string, unknown>): Record<string, unknown> => ({
    ...r,
    created_at: iso(r.created_at),
    archived_at: r.archived_at ? iso(r.archived_at) : null,
  });

  register(
    "create_workspace",
    {
      title: "Create workspace",
      description:
        "Creates a workspace to hold documents and returns it. Names are unique within the account, ignoring case.",
      inputSchema: z.object({ name: z.string().trim().min(1).max(100) }),
      outputSchema: z.object({ workspace }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      const [row] = await sql.query(`insert into workspaces (name) values ($1) returning ${WORKSPACE}`, [args.name]);
      return data({ workspace: toWorkspace(row as Record<string, unknown>) });
    },
  );

  register(
    "update_workspace",
    {
      title: "Update workspace",
      description: "Renames a workspace and/or archives it (archived: true) or restores it (archived: false).",
      inputSchema: z.object({
        id: z.guid(),
        name: z.string().trim().min(1).max(100).optional(),
        archived: z.boolean().optional(),
      }),
      outputSchema: z.object({ workspace }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const [row] = await sql.query(
        `update workspaces set name = coalesce($2, name),
                archived_at = case when $3::boolean then coalesce(archived_at, now()) when not $3::boolean then null else archived_at end
          where id = $1 returning ${WORKSPACE}`,
        [args.id, args.name ?? null, args.archived ?? null],
      );
      if (!row) return failure("Workspace not found.");
      return data({ workspace: toWorkspace(row) });
    },
  );

  register(
    "list_documents",
    {
      title: "List documents",
      description:
        "Lists the documents of a workspace, newest first, without their bodies. Returns next_cursor when more remain.",
      inputSchema: z.object({
        workspace_id: z.guid().describe("Workspace to list"),
        limit: z.number().int().min(1).max(100).default(20).describe("Page size"),
        cursor: z.string().max(200).optional().describe("next_cursor of the previous page; omit for the first page"),
      }),
      outputSchema: z.object({ documents: z.array(summary), next_cursor: z.string().nullable() }),
      annotations: READ,
    },
    async (args) => {
      const offset = args.cursor ? Number(args.cursor) : 0;
      const limit = Number(args.limit);
      const rows = await sql.query(
        `select ${SUMMARY} from documents where workspace_id = $1 order by created_at desc, id limit $2 offset $3`,
        [args.workspace_id, limit + 1, offset],
      );
      return data({
        documents: rows.slice(0, limit).map(toSummary),
        next_cursor: rows.length > limit ? String(offset + limit) : null,
      });
    },
  );

  register(
    "get_document",
    {
      title: "Get document",
      description: "Reads one document, including its body, by id.",
      inputSchema: z.object({ id: z.guid().describe("Document id") }),
      outputSchema: z.object({ document: summary.extend({ body: z.string() }) }),
      annotations: READ,
    },
    async (args) => {
      const [row] = await sql.query(`select ${SUMMARY}, body from documents where id = $1`, [args.id]);
      if (!row) return failure("Document not found.");
      return data({ document: { ...toSummary(row), body: String(row.body) } });
    },
  );

  register(
    "search_documents",
    {
      title: "Search documents",
      description:
        "Full-text search over document titles and bodies (English stemming, web-search syntax), best match first, " +
        "with a snippet of each match. Optionally limited to one workspace.",
      inputSchema: z.object({
        query: z
          .string()
          .min(1)
          .max(500)
          .describe('Web-search syntax: words, "quoted phrases", OR, and -excluded words'),
        workspace_id: z.guid().optional().describe("Only search this workspace"),
        limit: z.number().int().min(1).max(50).default(10).describe("Most results to return"),
      }),
      outputSchema: z.object({
        results: z.array(summary.extend({ rank: z.number(), snippet: z.string() })),
      }),
      annotations: READ,
    },
    async (args) => {
      const rows = await sql.query(
        `select ${SUMMARY}, ts_rank_cd(search, q) as rank,
                ts_headline('english', body, q, 'StartSel=**, StopSel=**, MaxWords=35, MinWords=15, MaxFragments=2') as snippet
           from documents, websearch_to_tsquery('english', $1) q
          where search @@ q and ($2::uuid is null or workspace_id = $2::uuid)
          order by rank desc, updated_at desc, id
          limit $3`,
        [args.query, args.workspace_id ?? null, args.limit],
      );
      return data({
        results: rows.map((r) => ({ ...toSummary(r), rank: Number(r.rank), snippet: String(r.snippet) })),
      });
    },
  );

  register(
    "create_document",
    {
      title: "Create document",
      description: "Creates a document in a workspace and returns its id and metadata.",
      inputSchema: z.object({
        workspace_id: z.guid().describe("Workspace to create the document in"),
        title: z.string().min(1).max(500),
        body: z.string().max(500_000).describe("Markdown or plain text"),
      }),
      outputSchema: z.object({ document: summary }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      const [row] = await sql.query(
        `insert into documents (tenant_id, workspace_id, title, body)
         select w.tenant_id, w.id, $2, $3 from workspaces w where w.id = $1 returning ${SUMMARY}`,
        [args.workspace_id, args.title, args.body],
      );
      return row ? data({ document: toSummary(row) }) : failure("Workspace not found.");
    },
  );

  register(
    "update_document",
    {
      title: "Update document",
      description: "Replaces the title and/or the body of a document. Fields left out keep their value.",
      inputSchema: z.object({
        id: z.guid().describe("Document id"),
        title: z.string().min(1).max(500).optional(),
        body: z.string().max(500_000).optional().describe("The new body, replacing the old one entirely"),
      }),
      outputSchema: z.object({ document: summary }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const [row] = await sql.query(
        `update documents set title = coalesce($2, title), body = coalesce($3, body) where id = $1 returning ${SUMMARY}`,
        [args.id, args.title ?? null, args.body ?? null],
      );
      return row ? data({ document: toSummary(row) }) : failure("Document not found.");
    },
  );

  const sizes = { document_count: z.number().int(), total_bytes: z.number().int(), avg_bytes: z.number().int() };
  register(
    "workspace_stats",
    {
      title: "Workspace statistics",
      description:
        "Document counts and sizes per workspace and in total, and documents created/edited per day over the last " +
        "`days` days (UTC).",
      inputSchema: z.object({
        workspace_id: z.guid().optional().describe("Only this workspace; omit for the whole account"),
        days: z
          .number()
          .int()
          .min(1)
          .max(366)
          .default(30)
          .describe("Length of the activity window, ending today (UTC)"),
      }),
      outputSchema: z.object({
        workspaces: z.array(z.object({ workspace_id: z.guid(), name: z.string(), ...sizes })),
        totals: z.object({ workspace_count: z.number().int(), ...sizes }),
      }),
      annotations: READ,
    },
    async (args) => {
      const rows = await sql.query(
        `select w.id, w.name, count(d.id)::int as n, coalesce(sum(octet_length(d.body)), 0)::float8 as bytes
           from workspaces w left join documents d on d.workspace_id = w.id
          where $1::uuid is null or w.id = $1::uuid group by w.id order by w.created_at, w.id`,
        [args.workspace_id ?? null],
      );
      const workspaces = rows.map((r) => ({
        workspace_id: String(r.id),
        name: String(r.name),
        document_count: Number(r.n),
        total_bytes: Number(r.bytes),
        avg_bytes: Number(r.n) ? Math.round(Number(r.bytes) / Number(r.n)) : 0,
      }));
      const count = workspaces.reduce((s, w) => s + w.document_count, 0);
      const bytes = workspaces.reduce((s, w) => s + w.total_bytes, 0);
      return data({
        workspaces,
        totals: {
          workspace_count: workspaces.length,
          document_count: count,
          total_bytes: bytes,
          avg_bytes: count ? Math.round(bytes / count) : 0,
        },
      });
    },
  );

  register(
    "export_workspace",
    {
      title: "Export workspace",
      description: "Exports every document of a workspace as JSON Lines or CSV, returned as text. Limit: 10 MiB.",
      inputSchema: z.object({
        workspace_id: z.guid().describe("Workspace to export"),
        format: z.enum(["jsonl", "csv"]).default("jsonl"),
      }),
      outputSchema: z.object({
        workspace_id: z.guid(),
        format: z.enum(["jsonl", "csv"]),
        document_count: z.number().int(),
      }),
      annotations: READ,
    },
    async (args) => {
      const rows = await sql.query(
        `select id, title, body from documents where workspace_id = $1 order by created_at desc, id`,
        [args.workspace_id],
      );
      const text = rows.map((r) => JSON.stringify(r)).join("\n");
      return {
        ...data({ workspace_id: args.workspace_id, format: args.format, document_count: rows.length }),
        content: [{ type: "text", text }],
      };
    },
  );
}

function data(value: Record<string, unknown>): NaiveResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

function failure(text: string): NaiveResult {
  return { content: [{ type: "text", text }], isError: true };
}

function toSummary(r: Record<string, unknown>): Record<string, unknown> {
  return {
    id: String(r.id),
    workspace_id: String(r.workspace_id),
    title: String(r.title),
    size_bytes: Number(r.size_bytes),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}
