import type { ServerEvent, ServerEventBus } from "@modelcontextprotocol/server";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { HttpError, unavailable } from "../http/errors.ts";
import { TenantFeed, type FeedEnd } from "./feed.ts";
import { openSlot, type Slot } from "./slots.ts";

/** Whether a 2026-07-28 message opens a subscription stream. */
export function isListen(message: JSONRPCMessage): boolean {
  return "method" in message && "id" in message && message.method === "subscriptions/listen";
}

/** One `subscriptions/listen` request's side of the change events: the bus the SDK's listen router reads. */
export interface ListenFeed {
  /** The bus to hand `createMcpHandler`: its one listener receives the tenant's events from Redis. */
  bus: ServerEventBus;
  /** Called once the handler exists: `end` ends its listen streams gracefully when the feed ends (idle, fault). */
  bind(end: () => Promise<void>): void;
  /** Called once the response exists: frees the slot when the SDK answered without opening a stream. */
  settle(): void;
}

/**
 * Opens the feed of one `subscriptions/listen` (MCP 2026-07-28) in this tenant: a stream slot (429 at the tenant's
 * limit; this revision has no session to count by), and a
 * `ServerEventBus` over the tenant's event stream in Redis (src/streams/feed.ts). The SDK's listen router owns the
 * wire (acknowledgement, filter, subscription id); this only sources events. When the feed ends (idle, Redis fault,
 * slot lapsed) the stream ends with the listen's result, so the client knows to listen again.
 *
 * @throws HttpError 429 at the stream limit, 503 when Redis fails.
 */
export async function openListenFeed(principal: Principal, rc: RequestContext): Promise<ListenFeed> {
  const tenantId = principal.tenant.id;
  const redis = rc.shards.forTenant(tenantId);
  // No session in this revision, and one credential may serve many clients: only the tenant's limit applies.
  const limits = { ...rc.config, streamMaxPerSession: rc.config.streamMaxPerTenant };
  const slot: Slot = await openSlot(redis, tenantId, `k:${principal.credential.id}`, limits, rc.now()).catch(
    (err: unknown) => {
      throw err instanceof HttpError ? err : unavailable("stream slots", err);
    },
  );
  let end: () => Promise<void> = async () => {};
  let subscribed = false;
  const stop = new AbortController();
  const feed = new TenantFeed(
    { redis, tenantId, member: slot.member, limits: rc.config, now: rc.now, signal: stop.signal },
    undefined,
  );
  // Where "now" is, fixed before the answer: whatever changes after the acknowledgement is delivered.
  await feed.poll().catch(async (err: unknown) => {
    await slot.release();
    throw unavailable("tenant events", err);
  });
  const bus: ServerEventBus = {
    publish: () => {
      // Events come from Redis only: every isolate publishes there (src/streams/events.ts).
    },
    subscribe: (listener: (event: ServerEvent) => void) => {
      subscribed = true;
      const deliver = async (events: { event: ServerEvent }[]): Promise<number> => {
        for (const { event } of events) listener(event);
        return events.length;
      };
      const running = feed
        .run(deliver, () => {})
        .catch((): FeedEnd => "fault")
        .then(async (why) => {
          rc.log.info("notification stream ended", { end: why });
          await slot.release();
          if (why !== "aborted") await end();
        });
      rc.waitUntil(running);
      return () => stop.abort();
    },
  };
  return {
    bus,
    bind: (close) => {
      end = close;
    },
    settle: () => {
      if (!subscribed) rc.waitUntil(slot.release());
    },
  };
}
