import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../auth/principal.ts";
import { hasScopes, READ_SCOPES, scopesForTool, type McpScope } from "../auth/scopes.ts";
import { insufficientScope } from "../auth/challenge.ts";
import type { McpResource } from "../oauth/resource.ts";
import type { Lane } from "../tools/types.ts";
import { offeringFor } from "./offering.ts";

const NOTHING: readonly McpScope[] = Object.freeze([]);

/**
 * The scopes one POSTed message needs, decided before dispatch and the same way in both lanes (the session lane's
 * SDK has no scope checks of its own, so neither lane relies on its SDK's). A `tools/call` of a tool the tenant has
 * in `lane` needs what the tool needs (src/auth/scopes.ts); a tool the tenant lacks, or a name no tool has, needs only
 * `mcp:read`, so its caller gets the same -32602 as before from the lane and never a challenge that would reveal it
 * exists on another plan. Every other request (initialize, ping, listing, reading, prompts, completions) needs
 * `mcp:read`. Notifications and responses need nothing: they ask the server to do nothing for the caller.
 */
export function requiredScopes(message: JSONRPCMessage, principal: Principal, lane: Lane): readonly McpScope[] {
  if (!("method" in message) || !("id" in message)) return NOTHING;
  if (message.method !== "tools/call") return READ_SCOPES;
  const name = (message.params as { name?: unknown } | undefined)?.name;
  const tool =
    typeof name === "string" ? offeringFor(principal.tenant.features, lane).tools.byName.get(name) : undefined;
  return tool ? scopesForTool(tool) : READ_SCOPES;
}

/**
 * Refuses a message the principal's scopes do not cover: 403 `insufficient_scope` naming every scope it needs.
 * No I/O: it runs after authentication and before the lane.
 *
 * @throws {HttpError} 403 with the step-up challenge (src/auth/challenge.ts).
 */
export function checkScopes(
  message: JSONRPCMessage,
  principal: Principal,
  lane: Lane,
  resource: McpResource | null,
): void {
  const needed = requiredScopes(message, principal, lane);
  if (!hasScopes(principal, needed)) throw insufficientScope(principal, resource, needed);
}
