import type { z } from "zod";
import type { Feature, TenantContext } from "../tenancy/tenant.ts";
import type { Logger } from "../log/logger.ts";
import type { TenantDb } from "../db/tenant-db.ts";

/** Tool behaviour hints (MCP `ToolAnnotations`); clients must treat them as hints only. */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** One content block of a tool result (the subset our tools produce). */
export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "image"; data: string; mimeType: string }
  | { type: "audio"; data: string; mimeType: string }
  | { type: "resource"; resource: { uri: string; mimeType?: string; text: string } | { uri: string; mimeType?: string; blob: string } }
  | { type: "resource_link"; uri: string; name: string; mimeType?: string; description?: string };

/** What a tool handler returns: an MCP `CallToolResult`, SDK-neutral so both protocol lanes can send it. */
export interface ToolResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  /** A domain failure the model should see (bad id, nothing found...), not a protocol error. */
  isError?: boolean;
}

/** Everything a tool handler may use. Built once per request; nothing tenant-specific lives anywhere else. */
export interface ToolContext {
  tenant: TenantContext;
  /** Tenant-scoped database: every statement runs in a transaction with `app.tenant_id` set (RLS). */
  db: TenantDb;
  log: Logger;
  requestId: string;
  /** Aborted when the client cancels or the request ends. */
  signal: AbortSignal;
  /** Sends a progress notification when the client asked for them; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** A tool as written in `src/tools/<feature>/<name>.ts`. */
export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject | undefined = undefined> {
  name: string;
  title: string;
  description: string;
  /** The feature that makes this tool exist for a tenant. */
  feature: Feature;
  input: I;
  /** When set, the handler must return `structuredContent` matching it. */
  output?: O;
  annotations: ToolAnnotations;
  /**
   * Protocol lanes that can run this tool. Default both. A tool that needs mid-call user input works only in the
   * stateless 2026-07-28 lane (`InputRequiredResult`).
   */
  lanes?: readonly Lane[];
  handler(args: z.output<I>, ctx: ToolContext): Promise<ToolResult>;
}

/** The two protocol lanes of `/mcp`. */
export type Lane = "legacy" | "modern";

/** The `tools/list` entry of a tool, in MCP's wire shape (JSON Schemas precomputed). */
export interface ToolListing {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations: ToolAnnotations;
}

/** A tool ready to serve: its spec plus everything computed once at module scope. */
export interface Tool {
  name: string;
  feature: Feature;
  lanes: readonly Lane[];
  listing: ToolListing;
  /** Validates and parses raw arguments (zod, compiled once). */
  parse(args: unknown): { success: true; data: unknown } | { success: false; error: string };
  handler(args: unknown, ctx: ToolContext): Promise<ToolResult>;
}
