import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  type ServerNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { completePromptArgument, getPrompt } from "../prompts/registry.ts";
import { listResources, readResource } from "../resources/registry.ts";
import type { RequestContext } from "../context.ts";
import { toolNotAvailable } from "../http/messages.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import { CLIENT_LOG_LEVELS, type ClientLog, type ClientLogLevel } from "../tools/types.ts";
import { callTool } from "./call-tool.ts";
import { handle } from "./handlers.ts";
import { offeringFor } from "./offering.ts";
import { outcomeError, type RpcErrorShape } from "./outcomes.ts";
import { createToolContext, type ProgressSink } from "./tool-context.ts";
import { SERVER_INFO, SERVER_INSTRUCTIONS } from "./server-info.ts";

// Module scope: immutable and expensive. Without it the SDK's Server builds an Ajv instance per construction, and
// Ajv compiles with `new Function`, which Workers forbid.
const VALIDATOR = new CfWorkerJsonSchemaValidator();

/** What the server of one request knows of, and may change in, the caller's session. */
export interface LegacySession {
  /** The least severe log level the client asked for with `logging/setLevel`; `undefined` until it asks. */
  logLevel: ClientLogLevel | undefined;
  /** Keeps a new log level for the rest of the session. Throws when the session store fails. */
  setLogLevel(level: ClientLogLevel): Promise<void>;
}

/**
 * The v1 SDK Server for one request of one tenant (legacy era, 2025-11-25 and earlier). Only what the tenant's
 * features allow is registered; the lists come precomputed from the registries, so building this costs no schema
 * work. The low-level Server (not McpServer) is used because McpServer converts zod to JSON Schema on every
 * tools/list and answers unknown tools with an `isError` result, where MCP 2025-11-25 wants error -32602.
 */
export function buildLegacyServer(tenant: TenantContext, rc: RequestContext, session: LegacySession): Server {
  const { tools, resources, templates, prompts, completions, capabilities } = offeringFor(tenant.features, "legacy");
  const server = new Server(SERVER_INFO, {
    capabilities: capabilities as never,
    instructions: SERVER_INSTRUCTIONS,
    jsonSchemaValidator: VALIDATOR,
  });

  handle(server, ListToolsRequestSchema, () => ({ tools: [...tools.list] }));
  handle(server, CallToolRequestSchema, async (request, extra) => {
    const tool = tools.byName.get(request.params.name);
    rc.fields.tool = request.params.name;
    // A tool this tenant lacks does not exist for it: same answer as a name nobody defined.
    if (!tool) throw new McpError(ErrorCode.InvalidParams, toolNotAvailable(request.params.name));
    const token = request.params._meta?.progressToken;
    const progress: ProgressSink =
      token === undefined
        ? undefined
        : (value, total, message) =>
            extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: value, total, message },
            } as ServerNotification);
    const clientLog = clientLogFor(session.logLevel, extra.sendNotification);
    const ctx = { ...createToolContext(rc, tenant, extra.signal, progress), ...(clientLog ? { clientLog } : {}) };
    return (await callTool(tool, request.params.arguments, ctx)) as never;
  });

  // Replaces the SDK's own handler, which keeps the level in the memory of a Server that lives for one request.
  handle(server, SetLevelRequestSchema, async (request) => {
    try {
      await session.setLogLevel(request.params.level);
    } catch (err) {
      rc.log.error("could not store the log level", { error: err instanceof Error ? err : String(err) });
      throw new McpError(ErrorCode.InternalError, "Service temporarily unavailable");
    }
    return {};
  });

  if (resources) {
    handle(server, ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [...templates] }));
    handle(server, ListResourcesRequestSchema, async (_request, extra) => {
      const outcome = await listResources(createToolContext(rc, tenant, extra.signal, undefined));
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource"));
      return { resources: outcome.resources };
    });
    handle(server, ReadResourceRequestSchema, async (request, extra) => {
      const outcome = await readResource(request.params.uri, createToolContext(rc, tenant, extra.signal, undefined));
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource", request.params.uri));
      return outcome.result as never;
    });
  }
  if (prompts.length) {
    handle(server, ListPromptsRequestSchema, () => ({ prompts: [...prompts] }));
    handle(server, GetPromptRequestSchema, async (request, extra) => {
      rc.fields.tool = `prompt:${request.params.name}`;
      const ctx = createToolContext(rc, tenant, extra.signal, undefined);
      const outcome = await getPrompt(request.params.name, request.params.arguments ?? {}, ctx, "legacy");
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      return outcome.result as never;
    });
  }
  if (completions) {
    handle(server, CompleteRequestSchema, async (request, extra) => {
      const { ref, argument } = request.params;
      // No resource template completes its variables: an empty answer, as MCP allows.
      if (ref.type !== "ref/prompt") return { completion: { values: [], total: 0, hasMore: false } };
      const ctx = createToolContext(rc, tenant, extra.signal, undefined);
      const outcome = await completePromptArgument(ref.name, argument.name, argument.value, ctx, "legacy");
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      return { completion: { values: outcome.values, total: outcome.total, hasMore: outcome.hasMore } };
    });
  }
  return server;
}

/**
 * The client-facing log of one tool call: `notifications/message` on the call's response stream, for messages at or
 * above the level the client set. No level set means the client asked for nothing: no log at all.
 */
function clientLogFor(
  threshold: ClientLogLevel | undefined,
  send: (notification: ServerNotification) => Promise<void>,
): ClientLog | undefined {
  if (threshold === undefined) return undefined;
  const min = CLIENT_LOG_LEVELS.indexOf(threshold);
  return async (level, data) => {
    if (CLIENT_LOG_LEVELS.indexOf(level) < min) return;
    await send({ method: "notifications/message", params: { level, logger: SERVER_INFO.name, data } });
  };
}

function rpcError(e: RpcErrorShape): McpError {
  return new McpError(e.code, e.message, e.data);
}
