import type { Redis } from "@upstash/redis/cloudflare";
import { streamSlotsKey, tenantEventsKey } from "../redis/keys.ts";
import { runKnownScript } from "../redis/script.ts";
import { PUBLISH_EVENTS, PUBLISH_EVENTS_SHA } from "./scripts.ts";

/**
 * A change in one tenant that its open notification streams announce. The kinds are the v2 SDK's `ServerEvent`
 * kinds, each one notification method: `notifications/resources/updated` (with the URI) and the three
 * `notifications/<x>/list_changed`.
 */
export type TenantEvent =
  | { kind: "resource_updated"; uri: string }
  | { kind: "tools_list_changed" | "prompts_list_changed" | "resources_list_changed" };

const KINDS = new Set(["resource_updated", "tools_list_changed", "prompts_list_changed", "resources_list_changed"]);

/** Every list a plan or feature change may change. */
export const LISTS_CHANGED: readonly TenantEvent[] = Object.freeze([
  { kind: "tools_list_changed" },
  { kind: "prompts_list_changed" },
  { kind: "resources_list_changed" },
]);

/** Entries a tenant's event stream keeps: a client resuming further back than this misses the older ones. */
const MAX_ENTRIES = 256;
/** How long a tenant's event stream outlives its last write, so a client that reconnects can still resume. */
const EVENTS_TTL_MS = 10 * 60_000;

/** The Redis commands publishing uses. */
export type PublishRedis = Pick<Redis, "eval" | "evalsha">;

/**
 * Appends `events` to the tenant's event stream (src/streams/scripts.ts, one command), where every open stream of the
 * tenant's sessions reads them on its next poll. Costs nothing stored while nobody listens. Throws when Redis fails;
 * callers decide whether that matters (a write that succeeded stays successful).
 */
export async function publishTenantEvents(
  redis: PublishRedis,
  tenantId: string,
  events: readonly TenantEvent[],
  now: number,
): Promise<void> {
  if (events.length === 0) return;
  const args: string[] = [String(now), String(MAX_ENTRIES), String(EVENTS_TTL_MS)];
  for (const e of events) args.push(e.kind, e.kind === "resource_updated" ? e.uri : "");
  await runKnownScript(
    redis,
    PUBLISH_EVENTS,
    PUBLISH_EVENTS_SHA,
    [streamSlotsKey(tenantId), tenantEventsKey(tenantId)],
    args,
  );
}

/** One entry of a tenant's event stream as XRANGE returns it: the id, then the flat field list. */
export interface StoredEvent {
  id: string;
  event: TenantEvent;
}

/** The entries of an XRANGE reply that decode as events; anything else (written by a later deploy) is skipped. */
export function decodeEntries(reply: unknown): StoredEvent[] {
  if (!Array.isArray(reply)) return [];
  const out: StoredEvent[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || !Array.isArray(entry[1])) continue;
    const fields = new Map<string, string>();
    const flat = entry[1] as unknown[];
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), String(flat[i + 1] ?? ""));
    const kind = fields.get("k");
    if (!kind || !KINDS.has(kind)) continue;
    const event =
      kind === "resource_updated"
        ? { kind: "resource_updated" as const, uri: fields.get("u") ?? "" }
        : { kind: kind as Exclude<TenantEvent["kind"], "resource_updated"> };
    out.push({ id: entry[0], event });
  }
  return out;
}

/** The notification method of an event. */
export function notificationMethod(event: TenantEvent): string {
  switch (event.kind) {
    case "resource_updated":
      return "notifications/resources/updated";
    case "tools_list_changed":
      return "notifications/tools/list_changed";
    case "prompts_list_changed":
      return "notifications/prompts/list_changed";
    case "resources_list_changed":
      return "notifications/resources/list_changed";
  }
}
