import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
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
import type { KeyScope } from "../idempotency/call.ts";
import { getPrompt } from "../prompts/registry.ts";
import type { RequestContext } from "../context.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import { CLIENT_LOG_LEVELS, type ClientLog, type ClientLogLevel } from "../tools/types.ts";
import { callTool } from "./call-tool.ts";
import type { ClientAsker } from "./client-requests/asker.ts";
import { callToolAsking } from "./client-requests/drive.ts";
import { handle } from "./handlers.ts";
import { offeringFor } from "./offering.ts";
import { outcomeError, type RpcErrorShape } from "./outcomes.ts";
import { createToolContext, type ProgressSink } from "./tool-context.ts";
import { SERVER_INFO, SERVER_INSTRUCTIONS } from "./server-info.ts";
import { calledTool, sharedHandlers, type SharedMethod, type SharedScope } from "./shared-handlers.ts";
import { handleSubscriptions, type SessionSubscriptions } from "../streams/subscriptions.ts";

// Module scope: immutable and expensive. Without it the SDK's Server builds an Ajv instance per construction, and
// Ajv compiles with `new Function`, which Workers forbid. It is the stateless lane's SDK's copy of the Workers validator
// (same interface): both lanes share one, and the v1 SDK's copy of @cfworker/json-schema stays out of the bundle.
const VALIDATOR = new CfWorkerJsonSchemaValidator();

// The v1 SDK's request schemas of the methods both lanes answer the same way (src/mcp/shared-handlers.ts).
const V1_SCHEMAS = {
  "tools/list": ListToolsRequestSchema,
  "resources/templates/list": ListResourceTemplatesRequestSchema,
  "resources/list": ListResourcesRequestSchema,
  "resources/read": ReadResourceRequestSchema,
  "prompts/list": ListPromptsRequestSchema,
  "completion/complete": CompleteRequestSchema,
} as const satisfies Record<SharedMethod, unknown>;

/** What the server of one request knows of, and may change in, the caller's session. */
export interface LiveSession {
  /** The least severe log level the client asked for with `logging/setLevel`; `undefined` until it asks. */
  logLevel: ClientLogLevel | undefined;
  /** Keeps a new log level for the rest of the session. Throws when the session store fails. */
  setLogLevel(level: ClientLogLevel): Promise<void>;
  /** Asks the session's client mid-call, for tools with `asksClient`; without it they get no `ctx.input`. */
  asker?: ClientAsker;
  /** The session's resource subscriptions (src/streams/); absent: `resources/subscribe` is not answered. */
  subscriptions?: SessionSubscriptions;
}

/**
 * The v1 SDK Server for one request of one tenant (session era, 2025-11-25 and earlier). Only what the tenant's
 * features allow is registered; the lists come precomputed from the registries, so building this costs no schema
 * work. The low-level Server (not McpServer) is used because McpServer converts zod to JSON Schema on every
 * tools/list and answers unknown tools with an `isError` result, where MCP 2025-11-25 wants error -32602. The
 * methods both lanes answer alike come from `sharedHandlers`; `tools/call`, `logging/setLevel` and `prompts/get` are
 * this lane's own. `keyScope` (the caller's credential and `Idempotency-Key` header) makes write tools idempotent
 * under a client's key (src/idempotency/); without it keys are ignored.
 */
export function buildSessionServer(
  tenant: TenantContext,
  rc: RequestContext,
  session: LiveSession,
  keyScope?: KeyScope,
): Server {
  const offering = offeringFor(tenant.features, "session");
  const server = new Server(SERVER_INFO, {
    capabilities: offering.capabilities as never,
    instructions: SERVER_INSTRUCTIONS,
    jsonSchemaValidator: VALIDATOR,
  });

  const scope: SharedScope = { offering, rc, tenant, lane: "session", rpcError };
  for (const [method, handler] of Object.entries(sharedHandlers(scope))) {
    handle(
      server,
      V1_SCHEMAS[method as SharedMethod],
      (request, extra) => handler(request.params as never, extra.signal) as never,
    );
  }
  handle(server, CallToolRequestSchema, async (request, extra) => {
    const tool = calledTool(scope, request.params.name);
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
    const keying = keyScope ? { meta: request.params._meta, scope: keyScope, rpcError } : undefined;
    if (tool.asksClient && session.asker) {
      const asking = { asker: session.asker, requestId: extra.requestId, signal: extra.signal };
      return (await callToolAsking(tool, request.params.arguments, ctx, keying, asking)) as never;
    }
    return (await callTool(tool, request.params.arguments, ctx, keying)) as never;
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

  if (offering.resources && session?.subscriptions) handleSubscriptions(server, session.subscriptions, rc.log);

  if (offering.prompts.length) {
    handle(server, GetPromptRequestSchema, async (request, extra) => {
      rc.fields.tool = `prompt:${request.params.name}`;
      const ctx = createToolContext(rc, tenant, extra.signal, undefined);
      const outcome = await getPrompt(request.params.name, request.params.arguments ?? {}, ctx, "session");
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      return outcome.result as never;
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
