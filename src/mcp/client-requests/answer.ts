import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
} from "@modelcontextprotocol/sdk/types.js";
import type { RequestContext } from "../../context.ts";
import { HttpError, RpcCode, unavailable } from "../../http/errors.ts";
import { deliverAnswer, type ClientAnswer, type RequestScope } from "../../rendezvous/rendezvous.ts";

/**
 * The refusal of an answer that matches no open request of the caller's session: an id the server never sent on this
 * session (another session's, another tenant's, made up), a second answer to one request, or an answer after the call
 * stopped waiting. One text for all: which of them it was is nothing the sender needs, and naming it would say
 * whether another session's request exists.
 */
export const NO_OPEN_REQUEST =
  "No request of this session awaits this answer (unknown id, already answered, or too late)";

/** Whether a POSTed message is a client's answer (a JSON-RPC result or error) rather than a request or notification. */
export function isClientAnswer(message: JSONRPCMessage): boolean {
  return isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
}

/**
 * Accepts a client's answer to a request the server sent mid-call, on a POST that already passed admission and the
 * session check (the session is the caller's tenant's and its credential's). Hands the answer to the waiting call
 * through Redis: 202 when it claimed an open request of this session; 400 with JSON-RPC error -32600 and
 * {@link NO_OPEN_REQUEST} otherwise; 503 when Redis fails.
 *
 * @throws {HttpError} 400 for an answer no request awaits; 503 when Redis is unavailable.
 */
export async function acceptClientAnswer(
  message: JSONRPCMessage,
  scope: RequestScope,
  rc: RequestContext,
): Promise<Response> {
  if (!isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message))
    throw new HttpError(400, NO_OPEN_REQUEST, { code: RpcCode.InvalidRequest });
  const answer: ClientAnswer = isJSONRPCErrorResponse(message) ? { error: message.error } : { result: message.result };
  // The answer lives only until the waiting call's next poll; a call that died leaves it to this TTL.
  const ttlSeconds = Math.ceil(rc.config.clientAnswerTimeoutMs / 1000) + 30;
  const redis = rc.shards.forTenant(scope.tenantId);
  const outcome = await deliverAnswer(redis, scope, message.id, answer, ttlSeconds).catch((err: unknown) => {
    throw unavailable("client answer handover", err);
  });
  if (outcome === "unknown") throw new HttpError(400, NO_OPEN_REQUEST, { code: RpcCode.InvalidRequest });
  return new Response(null, { status: 202 });
}
