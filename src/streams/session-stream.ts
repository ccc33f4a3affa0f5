import type { Gate } from "../admission/admit.ts";
import type { Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { HttpError, RpcCode, unavailable } from "../http/errors.ts";
import { SESSION_NOT_FOUND } from "../http/messages.ts";
import { sessionKey } from "../redis/keys.ts";
import { openedBy, SessionStore } from "../session/store.ts";
import { notificationMethod, type StoredEvent } from "./events.ts";
import { cursorFrom, TenantFeed, type FeedEnd } from "./feed.ts";
import { openSlot } from "./slots.ts";
import { SSE_HEADERS, SseWriter } from "./sse.ts";

/**
 * `GET /mcp` with a session (MCP 2025-11-25, "Listening for Messages from the Server"): the session's standalone SSE
 * stream. It carries `notifications/resources/updated` for the resources the session subscribed to and the
 * `list_changed` notifications of its tenant, read from the tenant's event stream in Redis (src/streams/feed.ts).
 *
 * Bounded: the stream takes a slot in its tenant's count (429 past `streamMaxPerTenant`, or `streamMaxPerSession`),
 * ends when nothing was delivered for `streamIdleSeconds`, when the session ends, and when Redis fails (the client
 * reconnects, resuming with `Last-Event-ID` from the last event id it saw).
 *
 * @throws HttpError 406 without `Accept: text/event-stream`, 400 without a session, 404 for a session that is not the
 *   caller's, 429 at the stream limit, 503 when Redis fails before the stream opens.
 */
export async function serveSessionStream(
  request: Request,
  principal: Principal,
  rc: RequestContext,
  gate: Gate,
): Promise<Response> {
  if (!request.headers.get("accept")?.includes("text/event-stream")) {
    throw new HttpError(406, "Not Acceptable: Client must accept text/event-stream", { code: RpcCode.ServerError });
  }
  const sessionId = request.headers.get("mcp-session-id");
  if (!sessionId)
    throw new HttpError(400, "Bad Request: Mcp-Session-Id header is required", { code: RpcCode.ServerError });
  rc.fields.session_id = sessionId;
  const tenantId = principal.tenant.id;
  const redis = rc.shards.forTenant(tenantId);
  const store = new SessionStore(redis, rc.config, rc.now);
  const [limited, found] = await Promise.allSettled([gate(), store.touch(tenantId, sessionId)]);
  if (limited.status === "rejected") throw limited.reason;
  if (found.status === "rejected") throw unavailable("session store", found.reason);
  if (!found.value || !openedBy(found.value, principal)) {
    throw new HttpError(404, SESSION_NOT_FOUND, { code: RpcCode.SessionNotFound });
  }
  let subscriptions = new Set(found.value.subscriptions ?? []);

  const slot = await openSlot(redis, tenantId, sessionId, rc.config, rc.now()).catch((err: unknown) => {
    throw err instanceof HttpError ? err : unavailable("stream slots", err);
  });
  const stop = new AbortController();
  const feed = new TenantFeed(
    {
      redis,
      tenantId,
      member: slot.member,
      sessionKey: sessionKey(tenantId, sessionId),
      limits: rc.config,
      now: rc.now,
      signal: AbortSignal.any([stop.signal, request.signal]),
    },
    cursorFrom(request.headers.get("last-event-id")),
  );
  // The first poll before the answer: it fixes where "now" is (the priming id) and turns a Redis fault into a 503.
  const first = await feed.poll().catch(async (err: unknown) => {
    await slot.release();
    throw unavailable("tenant events", err);
  });
  if (first === "gone") {
    await slot.release();
    throw new HttpError(404, SESSION_NOT_FOUND, { code: RpcCode.SessionNotFound });
  }

  const writer = new SseWriter();
  const deliver = async (events: StoredEvent[]): Promise<number> => {
    // A subscription may have come after the stream opened: read the session again when an update is to be matched.
    if (events.some((e) => e.event.kind === "resource_updated")) {
      const record = await store.touch(tenantId, sessionId);
      subscriptions = new Set(record?.subscriptions ?? []);
    }
    let sent = 0;
    for (const { id, event } of events) {
      if (event.kind === "resource_updated" && !subscriptions.has(event.uri)) continue;
      writer.notify(id, notificationMethod(event), event.kind === "resource_updated" ? { uri: event.uri } : undefined);
      sent++;
    }
    return sent;
  };
  const finish = (end: FeedEnd): void => {
    rc.log.info("notification stream ended", { end, session_id: sessionId });
    writer.close();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      writer.attach(controller);
      writer.prime(feed.position ?? "0-0");
      const running = (first.length ? deliver(first) : Promise.resolve(0))
        .then(() => feed.run(deliver, () => writer.heartbeat()))
        .catch(() => "fault" as const)
        .then(finish)
        .finally(() => slot.release());
      rc.waitUntil(running);
    },
    cancel() {
      stop.abort();
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, "mcp-session-id": sessionId } });
}
