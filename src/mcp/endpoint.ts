import { admit, type ResponseHeaders } from "../admission/admit.ts";
import type { RequestContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { MCP_METHOD_NOT_ALLOWED } from "../http/messages.ts";
import {
  checkInitializeSize,
  checkMediaTypes,
  checkOrigin,
  checkProtocolVersionHeader,
  parseMessage,
  readBodyCapped,
} from "../http/guard.ts";
import { noteMessage } from "../log/telemetry.ts";
import { mcpResourceOf } from "../oauth/resource.ts";
import { serveSessionStream } from "../streams/session-stream.ts";
import { FIRST_STATELESS_REVISION, isStatelessBodilessRequest, statelessMethodNotAllowed } from "./era.ts";
import { isStatelessPost, sessionLane, statelessLane, toolChecks } from "./lanes.ts";

export type { ResponseHeaders } from "../admission/admit.ts";

/**
 * `/mcp`, dual-era: guards (no I/O) -> credentials (every request) -> scopes -> per-tenant rate limit -> the protocol
 * lane. A POST
 * whose message carries the MCP 2026-07-28 per-request `_meta` goes to the stateless lane; `initialize` and
 * everything else without it to the session lane. Every stage throws HttpError; the boundary in index.ts turns
 * it into a response. `headers` collects headers the final response must carry, error or not.
 */
export async function handleMcp(request: Request, rc: RequestContext, headers: ResponseHeaders): Promise<Response> {
  checkOrigin(request, rc.config);
  if ((request.method === "GET" || request.method === "DELETE") && isStatelessBodilessRequest(request)) {
    rc.fields.lane = "stateless";
    throw statelessMethodNotAllowed();
  }
  if (request.method !== "POST" && request.method !== "DELETE" && request.method !== "GET") {
    throw new HttpError(405, MCP_METHOD_NOT_ALLOWED, { headers: { allow: "GET, POST, DELETE" } });
  }

  // The resource this host serves, from configuration only: it shapes the challenges of a refused request.
  const resource = mcpResourceOf(request, rc.config);
  if (request.method === "GET" || request.method === "DELETE") {
    // No message: the log line takes the revision from the MCP-Protocol-Version header alone. Neither needs a scope:
    // the stream carries only what the session may see, and ending one's own session gives up what the credential had.
    // A GET is the session's standalone SSE stream of notifications (src/streams/session-stream.ts); the log line of a
    // DELETE names no lane, as it names no message.
    if (request.method === "GET") rc.fields.lane = "session";
    noteMessage(rc, request, {});
    const { principal, gate } = await admit(request, rc, headers, null, resource);
    if (request.method === "GET") return serveSessionStream(request, principal, rc, gate);
    await gate();
    return (await sessionLane()).deleteSession(request, principal, rc);
  }

  checkMediaTypes(request);
  const body = await readBodyCapped(request, rc.config.maxBodyBytes);
  const message = parseMessage(body);
  if ("method" in message) rc.fields.method = message.method;
  noteMessage(rc, request, message);
  if ("method" in message && message.method === "initialize") checkInitializeSize(body, rc.config.initializeMaxBytes);
  const stateless = await isStatelessPost(request, message);
  // The stateless lane answers a bad MCP-Protocol-Version itself (-32022 / -32020, as the 2026-07-28 revision says).
  if (!stateless) checkProtocolVersionHeader(request, [FIRST_STATELESS_REVISION]);

  // A session lookup can start with the key lookup only for a session message that names a session.
  const initialize = "method" in message && message.method === "initialize";
  const sessionId = stateless || initialize ? null : request.headers.get("mcp-session-id");
  // Only tool calls count against the monthly quota: listing, reading and initialize stay open over it.
  const metered = "method" in message && message.method === "tools/call";
  const { principal, gate, session, refund } = await admit(request, rc, headers, sessionId, resource, metered);
  const lane = stateless ? "stateless" : "session";
  rc.fields.lane = lane;
  try {
    // Both checks read the tenant's tools; the tool catalogue loads with an isolate's first message, like the lanes.
    const { checkScopes, refuseWritesWhileMoving } = await toolChecks();
    checkScopes(message, principal, lane, resource);
    refuseWritesWhileMoving(message, principal, lane);
    const response = stateless
      ? await (await statelessLane()).serveStatelessPost(request, message, principal, rc, gate)
      : await (await sessionLane()).serveSessionPost(request, message, principal, rc, gate, session);
    // A call answered with an HTTP error was not served, and a round trip that asked the user a question (2026-07-28)
    // is not a finished call: neither counts against the monthly quota (the round trip that answers it does).
    if (response.status >= 400 || rc.fields.call_outcome === "input_required") refund();
    return response;
  } catch (err) {
    refund();
    throw err;
  }
}
