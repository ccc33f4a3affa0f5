import type { z } from "zod";
import type { Feature, TenantContext } from "../tenancy/tenant.ts";
import type { Logger } from "../log/logger.ts";
import type { TenantDb } from "../db/tenant-db.ts";
import type { TenantUsage } from "../usage/types.ts";
import type { TenantEvent } from "../streams/events.ts";

/** The deployment settings tools enforce (from the Worker's Config; see src/config.ts for their defaults). */
interface ToolLimits {
  /** Most workspaces one tenant may have, archived ones included. */
  maxWorkspacesPerTenant: number;
  /** Longest wait for one Postgres request, in ms (an idempotent call waits less than this for another call). */
  dbTimeoutMs: number;
}

/**
 * Tool behaviour hints (MCP `ToolAnnotations`); clients must treat them as hints only. MCP's `title` hint is left out:
 * the listing's top-level `title` says the same, and every listing byte goes to the model with each conversation.
 */
export interface ToolAnnotations {
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
  | {
      type: "resource";
      resource: { uri: string; mimeType?: string; text: string } | { uri: string; mimeType?: string; blob: string };
    }
  | { type: "resource_link"; uri: string; name: string; mimeType?: string; description?: string };

/** What a tool handler returns: an MCP `CallToolResult`, SDK-neutral so both protocol lanes can send it. */
export interface ToolResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  /** A domain failure the model should see (bad id, nothing found...), not a protocol error. */
  isError?: boolean;
  /**
   * Set when the tool cannot finish without input from the user: the 2026-07-28 lane answers with an
   * `InputRequiredResult` carrying these requests (multi round-trip) and calls the tool again with the answers in
   * `ToolContext.input`. `content` then explains what is needed, for a lane that has no such vocabulary.
   */
  inputRequired?: InputRequired;
  /** Result metadata (MCP `_meta`), e.g. the replay flag of an idempotent call (src/idempotency/). */
  _meta?: Record<string, unknown>;
}

/** A form the client shows its user (MCP `elicitation/create`, form mode: flat primitive properties only). */
export interface ElicitationRequest {
  method: "elicitation/create";
  params: {
    mode: "form";
    message: string;
    requestedSchema: { type: "object"; properties: Record<string, Record<string, unknown>>; required?: string[] };
  };
}

/** A completion the client's model writes (MCP `sampling/createMessage`; text messages only). */
export interface SamplingRequest {
  method: "sampling/createMessage";
  params: {
    messages: { role: "user" | "assistant"; content: { type: "text"; text: string } }[];
    maxTokens: number;
    systemPrompt?: string;
  };
}

/** The client's filesystem roots (MCP `roots/list`). */
export interface ListRootsRequest {
  method: "roots/list";
  params: Record<string, never>;
}

/**
 * One request a tool may put to the client. Each needs the matching client capability (`elicitation`, `sampling`,
 * `roots`): a tool should ask only for what {@link ToolInput.clientCapabilities} declares, and the lane answers an
 * undeclared one with a protocol error (-32021).
 */
export type InputRequest = ElicitationRequest | SamplingRequest | ListRootsRequest;

/** What a tool needs before it can finish (see {@link ToolResult.inputRequired}). */
export interface InputRequired {
  /** Requests for the client to fulfil, by key; the answers come back under the same keys. */
  requests: Record<string, InputRequest>;
  /**
   * JSON the tool wants back with the answers. The lane seals it (HMAC, bound to the tenant, expiring), so the next
   * call sees it intact or not at all.
   */
  state?: unknown;
}

/** The client's answers to a tool's earlier {@link InputRequired}, as the next call of the same tool receives them. */
export interface ToolInput {
  /** Answers by request key; client input, so validate before use. `undefined` on a first call. */
  responses: Readonly<Record<string, unknown>> | undefined;
  /** The state sealed into the earlier `InputRequired`, verified; `undefined` when there was none. */
  state: unknown;
  /** The capabilities the client declared on this request (`elicitation`, `sampling`, `roots`, ...). */
  clientCapabilities: Readonly<Record<string, unknown>>;
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
  /**
   * Present when the lane can ask the client for input mid-call (2026-07-28 multi round-trip; the session lane for a
   * tool with `asksClient`); a tool that needs input must check it. Carries the answers when this call is the retry of
   * an `inputRequired` result.
   */
  input?: ToolInput;
  /**
   * Sends a log message to the client (MCP `notifications/message`). Present only when the client asked for log
   * messages and the lane can deliver them during the call; messages below the client's level are dropped.
   */
  clientLog?: ClientLog;
  /** The deployment's limits on what a tenant may create. */
  limits: ToolLimits;
  /**
   * Reads the tenant's own usage of this period (src/usage/tenant-usage.ts), for the `tenant://usage` resource.
   * Present in the Worker's lanes; a context without it (a unit test) has no usage to show.
   */
  usage?: () => Promise<TenantUsage>;
  /**
   * Tells the tenant's open notification streams what a finished tool call changed (src/streams/changes.ts). Present
   * in the Worker's lanes; called by the lanes' `callTool`, never by a tool.
   */
  announce?: (tool: Tool, args: unknown, result: ToolResult) => void;
}

/** Severity of a client-facing log message (MCP `LoggingLevel`, RFC 5424 order). */
export const CLIENT_LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;
export type ClientLogLevel = (typeof CLIENT_LOG_LEVELS)[number];

/** Delivers one client-facing log message; `data` is any JSON value. */
export type ClientLog = (level: ClientLogLevel, data: unknown) => Promise<void>;

/** A tool as written in `src/tools/<feature>/<name>.ts`. */
export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject | undefined = undefined> {
  name: string;
  title: string;
  description: string;
  /** The feature that makes this tool exist for a tenant. */
  feature: Feature;
  input: I;
  /**
   * When set, the handler must return `structuredContent` matching it. Its JSON Schema is published as the listing's
   * `outputSchema` only to tenants with the `output_schemas` feature (see {@link Tool.listing}).
   */
  output?: O;
  annotations: ToolAnnotations;
  /** Protocol lanes that can run this tool. Default both. */
  lanes?: readonly Lane[];
  /**
   * The tool may return `inputRequired` (ask the client mid-call). Default false. The session lane then answers its
   * calls over SSE, sends the questions on that stream and runs the tool again with the answers
   * (src/mcp/client-requests/); the 2026-07-28 lane asks with an `InputRequiredResult` whatever this says.
   */
  asksClient?: boolean;
  /**
   * Whether the tool may run as a task (MCP tasks extension, docs/tasks.md): `forbidden` (the default) always answers
   * in the request; `optional` runs as a task when the client negotiated the extension and {@link taskWhen} agrees,
   * else in the request; `required` runs only as a task (a client without the extension gets -32021). Only the
   * 2026-07-28 lane runs tasks, so a `required` tool should name only that lane.
   */
  taskSupport?: TaskSupport;
  /**
   * Server-directed task creation: whether this call (arguments already valid) should run as a task rather than answer
   * at once. Default: always, for a tool that supports tasks. A tool whose work is usually small answers small calls
   * in the request (`export_workspace` goes to a task only for a large workspace).
   */
  taskWhen?(args: z.output<I>, ctx: ToolContext): Promise<boolean>;
  /**
   * What a successful call changed, for the tenant's open notification streams (src/streams/): a document's resource
   * updated, a list changed. Default: nothing. Not called for an error result or a round that asks the client first.
   */
  changes?(args: z.output<I>, result: ToolResult): TenantEvent[];
  handler(args: z.output<I>, ctx: ToolContext): Promise<ToolResult>;
}

/** How a tool runs as a task (MCP tool `execution.taskSupport`). */
export type TaskSupport = "forbidden" | "optional" | "required";

/** The two protocol lanes of `/mcp`. */
export type Lane = "session" | "stateless";

/** The `tools/list` entry of a tool, in MCP's wire shape (JSON Schemas computed once, on first use). */
export interface ToolListing {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** Only for tenants with the `output_schemas` feature, and only for a tool with an `output`. */
  outputSchema?: Record<string, unknown>;
  annotations: ToolAnnotations;
  /** Task support (tasks extension), in the 2026-07-28 lane's listing only, for a tool that supports tasks. */
  execution?: { taskSupport: TaskSupport };
}

/** A tool ready to serve: its spec plus what is derived from it, each part computed once. */
export interface Tool {
  name: string;
  feature: Feature;
  lanes: readonly Lane[];
  /** See {@link ToolSpec.asksClient}. */
  asksClient: boolean;
  /** The tool's hints (frozen), as its listing carries them; reading them costs no schema work. */
  annotations: ToolAnnotations;
  /**
   * The tool's `tools/list` entry, with `outputSchema` (for a tool that has an `output`) when `withOutputSchema`, as
   * the `output_schemas` feature asks. Computed on the first call for each variant and cached: every later call
   * returns the same frozen object.
   */
  listing(withOutputSchema: boolean): ToolListing;
  /** Validates and parses raw arguments (zod, compiled once). */
  parse(args: unknown): { success: true; data: unknown } | { success: false; error: string };
  handler(args: unknown, ctx: ToolContext): Promise<ToolResult>;
  /** See {@link ToolSpec.taskSupport}. */
  taskSupport: TaskSupport;
  /** See {@link ToolSpec.taskWhen}; expects arguments that went through `parse`. */
  taskWhen(args: unknown, ctx: ToolContext): Promise<boolean>;
  /** See {@link ToolSpec.changes}; expects arguments that went through `parse`. */
  changes(args: unknown, result: ToolResult): TenantEvent[];
}
