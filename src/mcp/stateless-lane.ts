import { createMcpHandler, isLegacyRequest } from "@modelcontextprotocol/server";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Gate } from "../admission/admit.ts";
import type { Principal } from "../auth/principal.ts";
import { IDEMPOTENCY_HEADER } from "../idempotency/key.ts";
import { createAuditSink } from "../audit/sink.ts";
import { toolCallRecorder } from "../audit/recorder.ts";
import type { RequestContext } from "../context.ts";
import { errorResponse, HttpError } from "../http/errors.ts";
import { Id, WORKSPACE_HEADER } from "../tools/core/documents.ts";
import { toolsFor } from "../tools/registry.ts";
import { checkParamHeaders } from "./param-headers.ts";
import { buildStatelessServer } from "./stateless-server.ts";
import { isListen, openListenFeed } from "../streams/listen.ts";

/**
 * Whether the SDK's own classifier (the one `createMcpHandler` runs) puts a parsed POST in the 2026-07-28 era. Called
 * through src/mcp/era.ts `isStatelessPost`, only for a message that may be stateless.
 */
export async function classifiesStateless(request: Request, message: JSONRPCMessage): Promise<boolean> {
  return !(await isLegacyRequest(request, message));
}

/**
 * Serves one POSTed message of MCP 2026-07-28 statelessly: the rate limit, then `createMcpHandler` in strict mode
 * (`legacy: 'reject'`) over a Server built for this request's tenant. The SDK does the revision's protocol work:
 * per-request version (-32022 listing the versions served), `Mcp-Method`/`Mcp-Name` header checks (-32020),
 * `server/discover`, `resultType`, server info and cache fields in results. `Mcp-Session-Id` is ignored.
 *
 * The handler is built per request, not once per isolate: it keeps in-flight servers and subscription streams in
 * memory, which must not outlive the request of the tenant they belong to. Building it costs a few small objects.
 */
export async function serveStatelessPost(
  request: Request,
  message: JSONRPCMessage,
  principal: Principal,
  rc: RequestContext,
  gate: Gate,
): Promise<Response> {
  await gate();
  // A tools/call is audited from here on: what the client gets back is what the row says, rejections by the SDK's
  // own checks before dispatch (headers, envelope) included.
  const recorder = toolCallRecorder(message, { audit: createAuditSink(rc, principal, null), now: () => rc.now() });
  const refused = refuseParamHeaders(request, message, principal, rc);
  if (refused) {
    recorder?.settle(refused);
    return refused;
  }
  const keyScope = { credential: principal.credential, header: request.headers.get(IDEMPOTENCY_HEADER) };
  // subscriptions/listen: change events from the tenant's event stream in Redis (src/streams/listen.ts).
  const listen = isListen(message) ? await openListenFeed(principal, rc) : undefined;
  const handler = createMcpHandler(() => buildStatelessServer(principal, rc, recorder, keyScope), {
    legacy: "reject",
    maxRequestBodySize: rc.config.maxBodyBytes,
    // Reporting only: rejected requests (a client's mistake) and failures; the response is already decided.
    onerror: (err) => rc.log.warn("stateless lane", { error: err }),
    ...(listen ? { bus: listen.bus } : {}),
  });
  listen?.bind(() => handler.close());
  // The body was read and parsed by the guard; the handler classifies the same value and reads nothing.
  const response = await handler.fetch(request, { parsedBody: message });
  listen?.settle();
  recorder?.settle(response);
  return response;
}

/**
 * The answer to a `tools/call` whose `Mcp-Param-*` headers disagree with its arguments (SEP-2243, see
 * param-headers.ts): 400 with -32020 and the request's id, as the SDK answers its own header checks. Undefined when
 * the headers agree, or the message is no call of a tool this tenant has (the SDK answers that).
 */
function refuseParamHeaders(
  request: Request,
  message: JSONRPCMessage,
  principal: Principal,
  rc: RequestContext,
): Response | undefined {
  if (!("method" in message) || message.method !== "tools/call" || !("id" in message)) return undefined;
  const params = message.params as { name?: unknown; arguments?: unknown } | undefined;
  if (typeof params?.name !== "string") return undefined;
  const tool = toolsFor(principal.tenant.features, "stateless").byName.get(params.name);
  if (!tool) return undefined;
  try {
    // The headers are declared in the input schema, which the listing has with or without output schemas.
    const workspace = checkParamHeaders(tool.listing(false), params.arguments, request.headers).get(WORKSPACE_HEADER);
    // Into the log line, so a tenant's calls can be read per workspace; only an id the tool itself would accept.
    if (workspace !== undefined && Id.safeParse(workspace).success) rc.fields.workspace_id = workspace;
    return undefined;
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return errorResponse(err, message.id);
  }
}
