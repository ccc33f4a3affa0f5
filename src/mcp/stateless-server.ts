import { ProtocolError, Server, type CacheHint, type ServerOptions } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import * as z from "zod";
import type { ToolCallRecorder } from "../audit/recorder.ts";
import type { RequestContext } from "../context.ts";
import type { KeyScope } from "../idempotency/call.ts";
import { getPrompt } from "../prompts/registry.ts";
import type { Principal } from "../auth/principal.ts";
import { startTaskIfDue } from "../tasks/create.ts";
import { registerTaskMethods } from "../tasks/methods.ts";
import { TASKS_EXTENSION } from "../tasks/types.ts";
import { inputRequiredResult, statelessInput } from "./stateless-input.ts";
import { callStatelessTool } from "./stateless-tool-call.ts";
import { offeringFor } from "./offering.ts";
import { requestStateCodec } from "./stateless-request-state.ts";
import { outcomeError, type RpcErrorShape } from "./outcomes.ts";
import { SERVER_INFO, SERVER_INSTRUCTIONS } from "./server-info.ts";
import { calledTool, sharedHandlers, type SharedMethod, type SharedScope } from "./shared-handlers.ts";
import { createToolContext } from "./tool-context.ts";

// Module scope: immutable and expensive. The validator is the Workers-safe one (Ajv compiles with `new Function`, which
// Workers forbid), built once instead of per Server. The SDK's wire schemas are left to build lazily, each on the first
// message that needs it: this module loads with the lane's first request (src/mcp/lanes.ts), which should pay only
// for what it uses.
const VALIDATOR = new CfWorkerJsonSchemaValidator();

// MCP 2026-07-28 caching: lists differ by the credentials on the request (tenant features), so every hint is
// "private". Lists change only with a deploy or a tenant's features: five minutes. Data-backed results: no reuse.
const LISTS: CacheHint = Object.freeze({ ttlMs: 300_000, cacheScope: "private" });
const DATA: CacheHint = Object.freeze({ ttlMs: 0, cacheScope: "private" });
const CACHE_HINTS: ServerOptions["cacheHints"] = Object.freeze({
  "server/discover": LISTS,
  "tools/list": LISTS,
  "prompts/list": LISTS,
  "resources/templates/list": LISTS,
  "resources/list": DATA,
  "resources/read": DATA,
});

// The tasks extension (SEP-2663), announced under `capabilities.extensions` (never the v1 `capabilities.tasks`).
const TASKS_CAPABILITY = Object.freeze({ [TASKS_EXTENSION]: Object.freeze({}) });

// Params are validated with these (the SDK's three-argument `setRequestHandler`), answering bad params with -32602:
// the SDK's built-in validation reports a client's bad params as -32603 (internal error) for most methods. Loose
// objects: `_meta` and future fields pass through.
const ListParams = z.looseObject({ cursor: z.string().optional() });
const CallToolParams = z.looseObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() });
const ReadResourceParams = z.looseObject({ uri: z.string() });
const GetPromptParams = z.looseObject({ name: z.string(), arguments: z.record(z.string(), z.string()).optional() });
const CompleteParams = z.looseObject({
  ref: z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("ref/prompt"), name: z.string() }),
    z.looseObject({ type: z.literal("ref/resource"), uri: z.string() }),
  ]),
  argument: z.looseObject({ name: z.string(), value: z.string() }),
});
// The params of the methods both lanes answer the same way (src/mcp/shared-handlers.ts).
const PARAMS = {
  "tools/list": ListParams,
  "resources/templates/list": ListParams,
  "resources/list": ListParams,
  "resources/read": ReadResourceParams,
  "prompts/list": ListParams,
  "completion/complete": CompleteParams,
} as const satisfies Record<SharedMethod, z.ZodType>;

/**
 * The v2 SDK Server for one 2026-07-28 request of one tenant. The same registries as the session lane, filtered for the
 * "stateless" lane, with their precomputed listings returned as they are: `tools/list` does no schema work. The low-level
 * Server (not McpServer) because McpServer takes schemas to convert rather than finished JSON Schemas, validates
 * arguments a second time, and answers unknown tools with an `isError` result instead of -32602. The methods both
 * lanes answer alike come from `sharedHandlers`; only `tools/call` and `prompts/get` are this lane's own.
 *
 * `recorder`, for a `tools/call`, watches the transport the SDK connects this Server to (inside `createMcpHandler`),
 * so the audit row holds the answer as it went out. `keyScope` (the caller's credential and `Idempotency-Key` header)
 * makes write tools idempotent under a client's key (src/idempotency/).
 *
 * The tasks extension (SEP-2663, src/tasks/) is served here: the capability, a `tools/call` that starts a task, and
 * the task methods, all scoped to the principal's tenant and credential.
 */
export function buildStatelessServer(
  principal: Principal,
  rc: RequestContext,
  recorder?: ToolCallRecorder,
  keyScope?: KeyScope,
): Server {
  const tenant = principal.tenant;
  const offering = offeringFor(tenant.features, "stateless");
  const codec = requestStateCodec(rc.config.apiKeyPepper, tenant.id);
  const server = new Server(SERVER_INFO, {
    capabilities: { ...offering.capabilities, extensions: TASKS_CAPABILITY } as never,
    instructions: SERVER_INSTRUCTIONS,
    jsonSchemaValidator: VALIDATOR,
    cacheHints: CACHE_HINTS,
    // Runs before the handler on every round that echoes a requestState; a failure is answered -32602.
    requestState: { verify: async (state, ctx) => (await codec()).verify(state, ctx) },
  });
  server.onerror = (err) => rc.log.warn("stateless server error", { error: err });
  if (recorder) {
    const connect = server.connect.bind(server);
    server.connect = (transport) => connect(recorder.watch(transport));
  }

  const scope: SharedScope = { offering, rc, tenant, lane: "stateless", rpcError };
  for (const [method, handler] of Object.entries(sharedHandlers(scope))) {
    server.setRequestHandler(
      method as SharedMethod,
      { params: PARAMS[method as SharedMethod] as never },
      (params, ctx) => handler(params as never, ctx.mcpReq.signal) as never,
    );
  }
  server.setRequestHandler("tools/call", { params: CallToolParams }, async (params, ctx) => {
    const tool = calledTool(scope, params.name);
    if (tool.taskSupport !== "forbidden") {
      const toolCtx = createToolContext(rc, tenant, ctx.mcpReq.signal, undefined, statelessInput(ctx, tool.name));
      const started = await startTaskIfDue(tool, params.arguments, ctx, toolCtx, principal, rc);
      if (started) return started as never;
    }
    return callStatelessTool(tool, params.arguments, ctx, {
      rc,
      tenant,
      codec,
      ...(recorder ? { recorder } : {}),
      ...(keyScope ? { keying: { meta: ctx.mcpReq._meta, scope: keyScope, rpcError } } : {}),
    });
  });
  registerTaskMethods(server, principal, rc);
  if (offering.prompts.length) {
    server.setRequestHandler("prompts/get", { params: GetPromptParams }, async (params, ctx) => {
      const owner = `prompt:${params.name}`;
      rc.fields.tool = owner;
      const promptCtx = createToolContext(rc, tenant, ctx.mcpReq.signal, undefined, statelessInput(ctx, owner));
      const outcome = await getPrompt(params.name, params.arguments ?? {}, promptCtx, "stateless");
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      const { inputRequired, ...result } = outcome.result;
      return inputRequired ? inputRequiredResult(owner, inputRequired, ctx, codec) : { ...result };
    });
  }
  return server;
}

function rpcError(e: RpcErrorShape): ProtocolError {
  return new ProtocolError(e.code, e.message, e.data);
}
