import type { RequestContext } from "../context.ts";
import type { Tool, ToolResult } from "../tools/types.ts";
import { publishTenantEvents, type TenantEvent } from "./events.ts";

/**
 * The change events a finished call of `tool` causes: what its definition says it changed (`changes` in
 * src/tools/types.ts), none for an error or for a round that asks the user first (2026-07-28 `inputRequired`).
 */
export function changesOf(tool: Tool, args: unknown, result: ToolResult): TenantEvent[] {
  if (result.isError || (result as { inputRequired?: unknown }).inputRequired) return [];
  return tool.changes(args, result);
}

/**
 * Publishes a tenant's change events after the response (`waitUntil`): the write succeeded whatever happens here, so a
 * Redis fault only costs the notification, and is logged.
 */
export function announce(rc: RequestContext, tenantId: string, events: readonly TenantEvent[]): void {
  if (events.length === 0) return;
  rc.waitUntil(
    publishTenantEvents(rc.shards.forTenant(tenantId), tenantId, events, rc.now()).catch((err: unknown) =>
      rc.log.warn("change events not published", { error: err instanceof Error ? err : String(err) }),
    ),
  );
}
