import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ServerNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { getPrompt, promptsFor } from "../prompts/registry.ts";
import { listResources, readResource, resourceTemplatesFor } from "../resources/registry.ts";
import type { RequestContext } from "../context.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import { toolsFor } from "../tools/registry.ts";
import { callTool } from "./call-tool.ts";
import { handle } from "./handlers.ts";
import { outcomeError } from "./outcomes.ts";
import { createToolContext, type ProgressSink } from "./tool-context.ts";
import { SERVER_INFO, SERVER_INSTRUCTIONS } from "./server-info.ts";

// Module scope: immutable and expensive. Without it the SDK's Server builds an Ajv instance per construction, and
// Ajv compiles with `new Function`, which Workers forbid.
const VALIDATOR = new CfWorkerJsonSchemaValidator();

/**
 * The v1 SDK Server for one request of one tenant (legacy era, 2025-11-25 and earlier). Only what the tenant's
 * features allow is registered; the lists come precomputed from the registries, so building this costs no schema
 * work. The low-level Server (not McpServer) is used because McpServer converts zod to JSON Schema on every
 * tools/list and answers unknown tools with an `isError` result, where MCP 2025-11-25 wants error -32602.
 */
export function buildLegacyServer(tenant: TenantContext, rc: RequestContext): Server {
  const tools = toolsFor(tenant.features, "legacy");
  const templates = resourceTemplatesFor(tenant.features);
  const prompts = promptsFor(tenant.features);
  const server = new Server(SERVER_INFO, {
    capabilities: {
      tools: { listChanged: false },
      ...(templates.length ? { resources: { listChanged: false, subscribe: false } } : {}),
      ...(prompts.length ? { prompts: { listChanged: false } } : {}),
    },
    instructions: SERVER_INSTRUCTIONS,
    jsonSchemaValidator: VALIDATOR,
  });

  handle(server, ListToolsRequestSchema, () => ({ tools: [...tools.list] }));
  handle(server, CallToolRequestSchema, async (request, extra) => {
    const tool = tools.byName.get(request.params.name);
    rc.fields.tool = request.params.name;
    // A tool this tenant lacks does not exist for it: same answer as a name nobody defined.
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const token = request.params._meta?.progressToken;
    const progress: ProgressSink =
      token === undefined
        ? undefined
        : (value, total, message) =>
            extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: value, total, message },
            } as ServerNotification);
    const ctx = createToolContext(rc, tenant, extra.signal, progress);
    return (await callTool(tool, request.params.arguments, ctx)) as never;
  });

  if (templates.length) {
    handle(server, ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [...templates] }));
    handle(server, ListResourcesRequestSchema, async (_request, extra) => {
      const outcome = await listResources(createToolContext(rc, tenant, extra.signal, undefined));
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource"));
      return { resources: outcome.resources };
    });
    handle(server, ReadResourceRequestSchema, async (request, extra) => {
      const outcome = await readResource(request.params.uri, createToolContext(rc, tenant, extra.signal, undefined));
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource"));
      return outcome.result as never;
    });
  }
  if (prompts.length) {
    handle(server, ListPromptsRequestSchema, () => ({ prompts: [...prompts] }));
    handle(server, GetPromptRequestSchema, async (request, extra) => {
      rc.fields.tool = `prompt:${request.params.name}`;
      const ctx = createToolContext(rc, tenant, extra.signal, undefined);
      const outcome = await getPrompt(request.params.name, request.params.arguments ?? {}, ctx);
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      return outcome.result as never;
    });
  }
  return server;
}

function rpcError(e: { code: number; message: string }): McpError {
  return new McpError(e.code, e.message);
}
