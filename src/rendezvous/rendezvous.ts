/**
 * The rendezvous of a session-lane tool call with its client's answer. A call that asks the client something
 * (sampling, elicitation, roots) runs in one Worker invocation; the client answers with a new POST, which any other
 * invocation may serve. Nothing is shared between invocations but Redis, so the request is registered there, the
 * answering invocation claims it and stores the answer, and the asking invocation polls for it.
 *
 * Two keys per request, both naming the tenant and the session (src/redis/keys.ts): `q` exists while the request is
 * open; `a` holds the answer until the waiting call reads it. Claiming is one `DEL q`: Redis runs commands one at a
 * time, so exactly one answer gets 1 back, and a duplicate, a late answer (the waiter gave up and deleted `q`, or `q`
 * expired), or an answer on another session or tenant (its `q` never existed) all get 0. No Lua is needed.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { bytesToBase64Url } from "../encoding/base64url.ts";
import { clientAnswerKey, clientRequestKey } from "../redis/keys.ts";

/** The Redis commands the rendezvous uses. */
export type RendezvousRedis = Pick<Redis, "set" | "del" | "getdel">;

/** Where a request lives: the tenant and session it was sent on. */
export interface RequestScope {
  tenantId: string;
  sessionId: string;
}

/** What the client sent back: a JSON-RPC result or error, as received. */
export type ClientAnswer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

/** The shape of every id {@link mintRequestId} makes; anything else names no request, without a Redis lookup. */
const REQUEST_ID = /^ask-[A-Za-z0-9_-]{22}$/;

/**
 * A fresh JSON-RPC id for a request to the client. Random (128 bits), not a counter: every invocation builds its own
 * server, whose counter would start at 0 each time, and an id must never name another call's request.
 */
export function mintRequestId(): string {
  return `ask-${bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)))}`;
}

/** Whether `id` could be a request id of ours. */
export function isRequestId(id: unknown): id is string {
  return typeof id === "string" && REQUEST_ID.test(id);
}

/**
 * Registers an open request before it is sent, so an answer can never arrive before its request exists. It expires
 * after `ttlSeconds` (the wait's timeout plus a margin): a call that died mid-wait leaves nothing behind.
 * @throws when Redis fails.
 */
export async function openRequest(
  redis: Pick<Redis, "set">,
  scope: RequestScope,
  id: string,
  ttlSeconds: number,
): Promise<void> {
  await redis.set(clientRequestKey(scope.tenantId, scope.sessionId, id), 1, { ex: ttlSeconds, nx: true });
}

/**
 * Hands a client's answer to the call waiting for it: `accepted` when this answer claimed an open request of this
 * tenant and session, `unknown` for anything else (malformed id, another session's or tenant's request, a duplicate,
 * a late answer). Two round trips; a fault between them leaves the waiter to time out.
 * @throws when Redis fails.
 */
export async function deliverAnswer(
  redis: Pick<Redis, "set" | "del">,
  scope: RequestScope,
  id: unknown,
  answer: ClientAnswer,
  ttlSeconds: number,
): Promise<"accepted" | "unknown"> {
  if (!isRequestId(id)) return "unknown";
  const claimed = await redis.del(clientRequestKey(scope.tenantId, scope.sessionId, id));
  if (claimed !== 1) return "unknown";
  await redis.set(clientAnswerKey(scope.tenantId, scope.sessionId, id), answer, { ex: ttlSeconds });
  return "accepted";
}

/**
 * Closes a request the caller stopped waiting for, so a later answer is refused. Returns the answer when one claimed
 * the request first (it may have been stored just now), else null. Best effort: a Redis fault returns null (the
 * request then expires with its TTL).
 */
export async function closeRequest(
  redis: Pick<Redis, "del" | "getdel">,
  scope: RequestScope,
  id: string,
): Promise<ClientAnswer | null> {
  try {
    const removed = await redis.del(clientRequestKey(scope.tenantId, scope.sessionId, id));
    if (removed === 1) return null;
    return await redis.getdel<ClientAnswer>(clientAnswerKey(scope.tenantId, scope.sessionId, id));
  } catch {
    return null;
  }
}
