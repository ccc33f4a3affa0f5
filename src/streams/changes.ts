import type { RequestContext } from "../context.ts";
import { documentUri } from "../resources/documents.ts";
import type { ToolResult } from "../tools/types.ts";
import { publishTenantEvents, type TenantEvent } from "./events.ts";

/**
 * The change events a successful tool call causes: an updated or deleted document is an update of its resource, and
 * a created or deleted one changes the resource list. Other tools change no resource.
 */
export function changesOf(tool: string, args: unknown, result: ToolResult): TenantEvent[] {
  // An error changed nothing; nor did a round that asks the user first (2026-07-28 `inputRequired`).
  if (result.isError || (result as { inputRequired?: unknown }).inputRequired) return [];
  const id = (args as { id?: unknown } | undefined)?.id;
  switch (tool) {
    case "update_document":
      return typeof id === "string" ? [{ kind: "resource_updated", uri: documentUri(id) }] : [];
    case "delete_document":
      return typeof id === "string"
        ? [{ kind: "resource_updated", uri: documentUri(id) }, { kind: "resources_list_changed" }]
        : [];
    case "create_document":
      return [{ kind: "resources_list_changed" }];
    default:
      return [];
  }
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
