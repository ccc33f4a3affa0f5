import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  InitializeRequestSchema,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
} from "@modelcontextprotocol/sdk/types.js";
import type { Gate } from "../admission/admit.ts";
import type { Principal } from "../auth/principal.ts";
import { IDEMPOTENCY_HEADER } from "../idempotency/key.ts";
import { createAuditSink } from "../audit/sink.ts";
import { toolCallRecorder } from "../audit/recorder.ts";
import type { RequestContext } from "../context.ts";
import { HttpError, RpcCode, unavailable } from "../http/errors.ts";
import { SESSION_NOT_FOUND } from "../http/messages.ts";
import {
  capabilityNames,
  mintSessionId,
  openedBy,
  SessionStore,
  storedClientInfo,
  type SessionRecord,
} from "../session/store.ts";
import { sessionFromPreviousShard } from "../session/previous-shard.ts";
import { acceptClientAnswer, isClientAnswer } from "./client-requests/answer.ts";
import { clientAsker } from "./client-requests/asker.ts";
import { mayAskClient } from "./client-requests/may-ask.ts";
import { buildSessionServer, type LiveSession } from "./session-server.ts";

/**
 * Serves one POSTed message of the session era (MCP 2025-11-25 and earlier) over Streamable HTTP with sessions kept
 * in Redis. `initialize` mints a session; every other message must name a live session of the caller's tenant.
 * Nothing about the session lives in the Worker: each request gets a fresh Server and transport (see
 * notes/mcp-protocol.md for why a stateless transport with `sessionId` set is the public-API way to resume).
 */
export async function serveSessionPost(
  request: Request,
  message: JSONRPCMessage,
  principal: Principal,
  rc: RequestContext,
  gate: Gate,
  /** The lookup of this request's `Mcp-Session-Id` when admission already started it (same Redis round trip). */
  prefetchedSession?: Promise<SessionRecord | null>,
): Promise<Response> {
  const store = new SessionStore(rc.shards.forTenant(principal.tenant.id), rc.config, rc.now);
  // By method, not by a full schema match: a malformed initialize must get -32602, not "session required".
  const initialize = isJSONRPCRequest(message) && message.method === "initialize";
  let sessionId: string;
  let record: SessionRecord;

  if (initialize) {
    const parsed = InitializeRequestSchema.safeParse(message);
    if (!parsed.success) throw new HttpError(400, "Invalid initialize parameters", { code: RpcCode.InvalidParams });
    const params = parsed.data.params;
    await gate();
    sessionId = mintSessionId();
    record = {
      tenantId: principal.tenant.id,
      // The stored field keeps its name, so records written before a deploy still read after it.
      keyId: principal.credential.id,
      credentialKind: principal.credential.kind,
      // The SDK's Server negotiates exactly this way: the client's version if supported, else the latest.
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(params.protocolVersion)
        ? params.protocolVersion
        : LATEST_PROTOCOL_VERSION,
      // Only what later requests use, capped: the record stays small whatever the client sent.
      clientInfo: storedClientInfo(params.clientInfo),
      capabilities: capabilityNames(params.capabilities as Record<string, unknown>),
      createdAt: rc.now(),
    };
    // The eviction's DEL, if any, goes under waitUntil: a failure there leaves records that expire with their TTL.
    const evictionDone = (work: Promise<unknown>): void =>
      rc.waitUntil(
        work.catch((err: unknown) =>
          rc.log.warn("session eviction failed", { error: err instanceof Error ? err : String(err) }),
        ),
      );
    const evicted = await store.create(sessionId, record, evictionDone).catch((err: unknown) => {
      throw unavailable("session store", err);
    });
    if (evicted > 0)
      rc.log.info("session cap reached: longest-idle sessions ended", { evicted, max: rc.config.sessionMaxPerTenant });
  } else {
    const presented = request.headers.get("mcp-session-id");
    if (!presented) {
      throw new HttpError(400, "Bad Request: Mcp-Session-Id header is required", { code: RpcCode.ServerError });
    }
    // The limiter and the session lookup are independent: run them side by side, then report the limiter first.
    const found = prefetchedSession ?? store.touch(principal.tenant.id, presented);
    // During a reshard, a session still on the tenant's previous shard (one more round trip, its first time only).
    const lookup = found.then((r) => r ?? sessionFromPreviousShard(rc, principal.tenant.id, presented));
    const [limited, session] = await Promise.allSettled([gate(), lookup]);
    if (limited.status === "rejected") throw limited.reason;
    if (session.status === "rejected") throw unavailable("session store", session.reason);
    // Unknown, expired, another tenant's and another credential's session: one answer (MCP: 404, initialize again).
    if (!session.value || !openedBy(session.value, principal))
      throw new HttpError(404, SESSION_NOT_FOUND, { code: RpcCode.SessionNotFound });
    sessionId = presented;
    record = session.value;
  }
  rc.fields.session_id = sessionId;
  const scope = { tenantId: principal.tenant.id, sessionId };
  // The client's answer to a request a tool call sent it: handed to that call through Redis (src/rendezvous/).
  if (!initialize && isClientAnswer(message)) return acceptClientAnswer(message, scope, rc);

  const live: LiveSession = {
    logLevel: record.logLevel,
    setLogLevel: async (level) => {
      await store.update(sessionId, { ...record, logLevel: level });
    },
    asker: clientAsker({
      redis: rc.shards.forTenant(principal.tenant.id),
      scope,
      capabilities: record.capabilities,
      timeoutMs: rc.config.clientAnswerTimeoutMs,
      // Called only while the call runs, after the transport below exists.
      send: (request, relatedRequestId) => transport.send(request, { relatedRequestId }),
      log: rc.log,
      now: rc.now,
    }),
    subscriptions: {
      current: () => record.subscriptions ?? [],
      save: async (subscriptions) => {
        await store.update(sessionId, { ...record, subscriptions });
      },
    },
  };
  // A tools/call is audited from here on: what the client gets back is what the row says.
  const recorder = toolCallRecorder(message, { audit: createAuditSink(rc, principal, sessionId), now: () => rc.now() });
  const server = buildSessionServer(principal.tenant, rc, live, {
    credential: principal.credential,
    header: request.headers.get(IDEMPOTENCY_HEADER),
  });
  // JSON replies unless the call may notify the client on the way (progress it asked for, or log messages after
  // logging/setLevel) or ask it something: notifications and requests reach the client only over SSE.
  const notifies =
    isJSONRPCRequest(message) &&
    (message.params?._meta?.progressToken !== undefined ||
      (message.method === "tools/call" && (record.logLevel !== undefined || mayAskClient(message, principal.tenant))));
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: initialize ? () => sessionId : undefined,
    enableJsonResponse: !notifies,
  });
  if (!initialize) transport.sessionId = sessionId;
  transport.onerror = (err) => rc.log.warn("transport error", { error: err });
  sendWithoutCodePrefix(transport);
  await server.connect(recorder ? recorder.watch(transport) : transport);
  const response = await transport.handleRequest(request, { parsedBody: withoutTask(message) });
  recorder?.settle(response);
  return response;
}

/**
 * The v1 SDK sends a thrown `McpError` with its `message`, which the error's constructor prefixed with
 * "MCP error <code>: "; a v1 client prefixes the same again, so a person read "MCP error -32602: MCP error -32602: ...".
 * The code is in the error object already: strip the prefix from every error response, the SDK's own errors (its
 * `tools/call` request check, capability checks) included, which no handler of ours can catch.
 */
function sendWithoutCodePrefix(transport: WebStandardStreamableHTTPServerTransport): void {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (isJSONRPCErrorResponse(message)) {
      const stripped = message.error.message.replace(/^MCP error -?\d+: /, "");
      if (stripped !== message.error.message) message = { ...message, error: { ...message.error, message: stripped } };
    }
    return send(message, options);
  };
}

/**
 * The message without task augmentation (`params.task`). This server declares no `tasks` capability, and MCP
 * 2025-11-25 ("Tasks / Behavior Requirements") says such a receiver MUST process the request normally, ignoring the
 * task metadata. The v1 SDK instead fails it with -32603 (and would expect a CreateTaskResult from the handler).
 */
function withoutTask(message: JSONRPCMessage): JSONRPCMessage {
  if (!isJSONRPCRequest(message) || message.params === undefined || !("task" in message.params)) return message;
  const { task: _ignored, ...params } = message.params;
  return { ...message, params };
}

/** `DELETE /mcp`: ends the caller's session (404 when it is not a live session of this tenant). */
export async function deleteSession(request: Request, principal: Principal, rc: RequestContext): Promise<Response> {
  const presented = request.headers.get("mcp-session-id");
  if (!presented) throw new HttpError(400, "Bad Request: Mcp-Session-Id header is required");
  rc.fields.session_id = presented;
  const store = new SessionStore(rc.shards.forTenant(principal.tenant.id), rc.config, rc.now);
  const ended = async (): Promise<boolean> => {
    // Only the credential that opened a session may end it: another one is told it does not exist.
    const record = await store.touch(principal.tenant.id, presented);
    return record !== null && openedBy(record, principal) && (await store.delete(principal.tenant.id, presented));
  };
  const deleted = await ended().catch((err: unknown) => {
    throw unavailable("session store", err);
  });
  if (!deleted) throw new HttpError(404, SESSION_NOT_FOUND, { code: RpcCode.SessionNotFound });
  return new Response(null, { status: 204 });
}
