import type { RequestContext } from "../context.ts";
import { documentUri } from "../resources/documents.ts";
import type { ToolResult } from "../tools/types.ts";
import { publishTenantEvents, type TenantEvent } from "./events.ts";

/** What a successful call of one tool changed, from its arguments and result. */
export type ChangeRule = (args: unknown, result: ToolResult) => TenantEvent[];

const idOf = (args: unknown): string | undefined => {
  const id = (args as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
};

// An updated or deleted document is an update of its resource; a created or deleted one changes the resource list.
const RULES = new Map<string, ChangeRule>([
  ["update_document", (args) => (idOf(args) ? [{ kind: "resource_updated", uri: documentUri(idOf(args)!) }] : [])],
  [
    "delete_document",
    (args) =>
      idOf(args)
        ? [{ kind: "resource_updated", uri: documentUri(idOf(args)!) }, { kind: "resources_list_changed" }]
        : [],
  ],
  ["create_document", () => [{ kind: "resources_list_changed" }]],
]);

/** Adds the rule of a tool outside the core set (the conformance build's list-change triggers). */
export function registerChangeRule(tool: string, rule: ChangeRule): void {
  RULES.set(tool, rule);
}

/** The change events a successful call of `tool` causes; none for tools without a rule. */
export function changesOf(tool: string, args: unknown, result: ToolResult): TenantEvent[] {
  // An error changed nothing; nor did a round that asks the user first (2026-07-28 `inputRequired`).
  if (result.isError || (result as { inputRequired?: unknown }).inputRequired) return [];
  return RULES.get(tool)?.(args, result) ?? [];
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
