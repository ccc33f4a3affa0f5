import type { RequestContext } from "../context.ts";
import { toolNotAvailable } from "../http/messages.ts";
import { completePromptArgument } from "../prompts/registry.ts";
import { listResources, readResource } from "../resources/registry.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import type { Lane, Tool } from "../tools/types.ts";
import type { Offering } from "./offering.ts";
import { outcomeError, type RpcErrorShape } from "./outcomes.ts";
import { createToolContext } from "./tool-context.ts";

/** JSON-RPC "Invalid params". */
const INVALID_PARAMS = -32602;

/** The params of each shared method, as both lanes validate them before the handler runs. */
interface SharedParams {
  "tools/list": unknown;
  "resources/templates/list": unknown;
  "resources/list": unknown;
  "resources/read": { uri: string };
  "prompts/list": unknown;
  "completion/complete": {
    ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };
    argument: { name: string; value: string };
  };
}

/** A method both lanes answer the same way. */
export type SharedMethod = keyof SharedParams;

/** One shared request handler: validated params and the request's abort signal in, the MCP result out. */
type SharedHandler<M extends SharedMethod> = (params: SharedParams[M], signal: AbortSignal) => Promise<object> | object;

/** The shared handlers one tenant's offering has, keyed by method: a method the offering lacks is absent. */
export type SharedHandlers = { [M in SharedMethod]?: SharedHandler<M> };

/** What the handlers of one request of one tenant need, whichever SDK serves it. */
export interface SharedScope {
  offering: Offering;
  rc: RequestContext;
  tenant: TenantContext;
  lane: Lane;
  /** The SDK's own error for a JSON-RPC error (v1 `McpError`, v2 `ProtocolError`). */
  rpcError(e: RpcErrorShape): Error;
}

/**
 * The handlers both protocol lanes register unchanged, so each server builder only adapts them to its SDK (schemas,
 * handler signature) and adds what really differs: `tools/call` and `prompts/get`. Only what the offering has is
 * present, so a tenant without resources, prompts or completions gets "method not found" for them in both lanes.
 */
export function sharedHandlers({ offering, rc, tenant, lane, rpcError }: SharedScope): SharedHandlers {
  const { tools, resources, templates, prompts, completions } = offering;
  const handlers: SharedHandlers = { "tools/list": () => ({ tools: [...tools.list] }) };
  if (resources) {
    handlers["resources/templates/list"] = () => ({ resourceTemplates: [...templates] });
    handlers["resources/list"] = async (_params, signal) => {
      const outcome = await listResources(createToolContext(rc, tenant, signal, undefined));
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource"));
      return { resources: outcome.resources };
    };
    handlers["resources/read"] = async ({ uri }, signal) => {
      const outcome = await readResource(uri, createToolContext(rc, tenant, signal, undefined));
      // -32002 "Resource not found" of 2025-11-25 goes out as -32602 on 2026-07-28: the v2 SDK's wire codec maps it.
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "resource", uri));
      return { ...outcome.result };
    };
  }
  if (prompts.length) handlers["prompts/list"] = () => ({ prompts: [...prompts] });
  if (completions) {
    handlers["completion/complete"] = async ({ ref, argument }, signal) => {
      // No resource template completes its variables: an empty answer, as MCP allows.
      if (ref.type !== "ref/prompt") return { completion: { values: [], total: 0, hasMore: false } };
      const ctx = createToolContext(rc, tenant, signal, undefined);
      const outcome = await completePromptArgument(ref.name, argument.name, argument.value, ctx, lane);
      if (!outcome.ok) throw rpcError(outcomeError(outcome, "prompt"));
      return { completion: { values: outcome.values, total: outcome.total, hasMore: outcome.hasMore } };
    };
  }
  return handlers;
}

/**
 * The tool a `tools/call` names, recorded in the request's log fields. A tool this tenant lacks does not exist for
 * it: the same -32602 as a name nobody defined.
 */
export function calledTool({ offering, rc, rpcError }: SharedScope, name: string): Tool {
  rc.fields.tool = name;
  const tool = offering.tools.byName.get(name);
  if (!tool) throw rpcError({ code: INVALID_PARAMS, message: toolNotAvailable(name) });
  return tool;
}
