import type { Tool } from "../tools/types.ts";
import type { Principal } from "./principal.ts";

/**
 * The scopes of `/mcp`, for every credential kind (API keys and OAuth tokens alike). Coarse on purpose: a scope says
 * what kind of thing a caller may do, the tenant's plan says which tools exist for it, and the effective right is
 * both. Per-feature scopes would make the plan a second time.
 */
export const MCP_READ = "mcp:read";
/** Calling a tool that is not read-only (one that changes data). Implies {@link MCP_READ}. */
export const MCP_WRITE = "mcp:write";

/** Every scope, in the order challenges and metadata list them. */
export const MCP_SCOPES: readonly McpScope[] = Object.freeze([MCP_READ, MCP_WRITE]);

/** One of {@link MCP_SCOPES}. */
export type McpScope = typeof MCP_READ | typeof MCP_WRITE;

/** What a new API key gets unless told otherwise: everything, as keys had before scopes existed. */
export const DEFAULT_KEY_SCOPES: readonly McpScope[] = MCP_SCOPES;

/** Whether `value` names a scope of this server. */
export function isMcpScope(value: string): value is McpScope {
  return (MCP_SCOPES as readonly string[]).includes(value);
}

// The scope hierarchy (MCP 2026-07-28 "servers MUST account for scope hierarchies"): what each scope also grants.
const IMPLIED: Readonly<Record<McpScope, readonly McpScope[]>> = Object.freeze({
  [MCP_READ]: [MCP_READ],
  [MCP_WRITE]: [MCP_WRITE, MCP_READ],
});

/**
 * The scopes `granted` amounts to once the hierarchy is applied (`mcp:write` brings `mcp:read`). Unknown scopes
 * (another server's, or `offline_access`) grant nothing here and are dropped.
 */
export function expandScopes(granted: readonly string[]): ReadonlySet<McpScope> {
  const out = new Set<McpScope>();
  for (const scope of granted) if (isMcpScope(scope)) for (const implied of IMPLIED[scope]) out.add(implied);
  return out;
}

/** Whether the principal's scopes, with the hierarchy applied, include every scope of `needed`. */
export function hasScopes(principal: Pick<Principal, "scopes">, needed: readonly string[]): boolean {
  const granted = expandScopes(principal.scopes);
  return needed.every((scope) => isMcpScope(scope) && granted.has(scope));
}

/**
 * The scopes calling `tool` needs, every one of them (MCP 2026-07-28: a challenge names all the scopes the operation
 * needs, so one step-up is enough): a read-only tool (`readOnlyHint: true`) needs `mcp:read`; any other tool changes
 * data, or may, and needs `mcp:write` as well. An annotation is a hint to clients, but here it is the server's own
 * declaration about its own tool, so it is safe to decide by.
 */
export function scopesForTool(tool: Pick<Tool, "annotations">): readonly McpScope[] {
  return tool.annotations.readOnlyHint === true ? READ_ONLY_NEEDS : WRITE_NEEDS;
}

const READ_ONLY_NEEDS: readonly McpScope[] = Object.freeze([MCP_READ]);
const WRITE_NEEDS: readonly McpScope[] = Object.freeze([MCP_READ, MCP_WRITE]);

/** What every other MCP request needs (listing, reading resources, prompts, completions, initialize, ping). */
export const READ_SCOPES: readonly McpScope[] = READ_ONLY_NEEDS;
