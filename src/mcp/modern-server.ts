import {
  preloadSchemas,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type CacheHint,
  type ServerOptions,
} from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { z } from "zod";
import type { ToolCallRecorder } from "../audit/recorder.ts";
import type { RequestContext } from "../context.ts";
import { toolNotAvailable } from "../http/messages.ts";
import { completePromptArgument, getPrompt } from "../prompts/registry.ts";
import { listResources, readResource } from "../resources/registry.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import { inputRequiredResult, modernInput } from "./modern-input.ts";
import { callModernTool } from "./modern-tool-call.ts";
import { offeringFor } from "./offering.ts";
import { requestStateCodec } from "./modern-request-state.ts";
import { outcomeError, type RpcErrorShape } from "./outcomes.ts";
import { SERVER_INFO, SERVER_INSTRUCTIONS } from "./server-info.ts";
import { createToolContext } from "./tool-context.ts";

// Module scope: immutable and expensive. The SDK builds its wire schemas lazily; on an isolate runtime that cost
// belongs to start-up, not to the first request. The validator is the Workers-safe one (Ajv compiles with
// `new Function`, which Workers forbid), built once instead of per Server.
preloadSchemas();
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

/**
 * The v2 SDK Server for one 2026-07-28 request of one tenant. The same registries as the legacy lane, filtered for the
 * "modern" lane, with their precomputed listings returned as they are: `tools/list` does no schema work. The low-level
 * Server (not McpServer) because McpServer takes schemas to convert rather than finished JSON Schemas, validates
 * arguments a second time, and answers unknown tools with an `isError` result instead of -32602.
 *
 * `recorder`, for a `tools/call`, watches the transport the SDK connects this Server to (inside `createMcpHandler`),
 * so the audit row holds the answer as it went out.
 */
export function buildModernServer(tenant: TenantContext, rc: RequestContext, recorder?: ToolCallRecorder): Server {
  const { tools, resources, templates, prompts, completions, capabilities } = offeringFor(tenant.features, "modern");
  const codec = requestStateCodec(rc.config.apiKeyPepper, tenant.id);
  const server = new Server(SERVER_INFO, {
    capabilities: capabilities as never,
    instructions: SERVER_INSTRUCTIONS,
    jsonSchemaValidator: VALIDATOR,
    cacheHints: CACHE_HINTS,
    // Runs before the handler on every round that echoes a requestState; a failure is answered -32602.
    requestState: { verify: async (state, ctx) => (await codec()).verify(state, ctx) },
  });
  server.onerror = (err) => rc.log.warn("modern server error", { error: err });
  if (recorder) {
    const connect = server.connect.bind(server);
    server.connect = (transport) => connect(recorder.watch(transport));
  }

  server.setRequestHandler("tools/list", { params: ListParams }, () => ({ tools: tools.list }));
  server.setRequestHandler("tools/call", { params: CallToolParams }, async (params, ctx) => {
    rc.fields.tool = params.name;
    const tool = tools.byName.get(params.name);
    // A tool this tenant lacks does not exist for it: same answer as a name nobody defined.
    if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, toolNotAvailable(params.name));
    return callModernTool(tool, params.arguments, ctx, { rc, tenant, codec, ...(recorder ? { recorder } : {}) });
  });

  if (resources) {
    server.setRequestHandler("resources/templates/list", { params: ListParams }, () => ({ resourceTemplates: templates }));
    server.setRequestHandler("resources/list", { params: ListParams }, async (_params, ctx) => {
      const outcome = await listResources(createToolContext(rc, tenant, ctx.mcpReq.signal, undefined));
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource"));
      return { resources: outcome.resources };
    });
    server.setRequestHandler("resources/read", { params: ReadResourceParams }, async (params, ctx) => {
      const outcome = await readResource(params.uri, createToolContext(rc, tenant, ctx.mcpReq.signal, undefined));
      // -32002 "Resource not found" of 2025-11-25 goes out as -32602 on 2026-07-28: the SDK's wire codec maps it.
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource", params.uri));
      return { ...outcome.result };
    });
  }
  if (prompts.length) {
    server.setRequestHandler("prompts/list", { params: ListParams }, () => ({ prompts }));
    server.setRequestHandler("prompts/get", { params: GetPromptParams }, async (params, ctx) => {
      const owner = `prompt:${params.name}`;
      rc.fields.tool = owner;
      const promptCtx = createToolContext(rc, tenant, ctx.mcpReq.signal, undefined, modernInput(ctx, owner));
      const outcome = await getPrompt(params.name, params.arguments ?? {}, promptCtx, "modern");
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      const { inputRequired, ...result } = outcome.result;
      return inputRequired ? inputRequiredResult(owner, inputRequired, ctx, codec) : { ...result };
    });
  }
  if (completions) {
    server.setRequestHandler("completion/complete", { params: CompleteParams }, async ({ ref, argument }, ctx) => {
      // No resource template completes its variables: an empty answer, as MCP allows.
      if (ref.type !== "ref/prompt") return { completion: { values: [], total: 0, hasMore: false } };
      const toolCtx = createToolContext(rc, tenant, ctx.mcpReq.signal, undefined);
      const outcome = await completePromptArgument(ref.name, argument.name, argument.value, toolCtx, "modern");
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      return { completion: { values: outcome.values, total: outcome.total, hasMore: outcome.hasMore } };
    });
  }
  return server;
}

function rpcError(e: RpcErrorShape): ProtocolError {
  return new ProtocolError(e.code, e.message, e.data);
}
