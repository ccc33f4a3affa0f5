import { admit, type ResponseHeaders } from "../admission/admit.ts";
import type { RequestContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { GET_STREAM_NOT_ALLOWED, MCP_METHOD_NOT_ALLOWED } from "../http/messages.ts";
import {
  checkInitializeSize,
  checkMediaTypes,
  checkOrigin,
  checkProtocolVersionHeader,
  parseMessage,
  readBodyCapped,
} from "../http/guard.ts";
import { deleteLegacySession, serveLegacyPost } from "./legacy-lane.ts";
import {
  FIRST_MODERN_REVISION,
  isModernBodilessRequest,
  isModernPost,
  modernMethodNotAllowed,
  serveModernPost,
} from "./modern-lane.ts";

export type { ResponseHeaders } from "../admission/admit.ts";

/**
 * `/mcp`, dual-era: guards (no I/O) -> API key (every request) -> per-tenant rate limit -> the protocol lane. A POST
 * whose message carries the MCP 2026-07-28 per-request `_meta` goes to the stateless modern lane; `initialize` and
 * everything else without it to the legacy session lane. Every stage throws HttpError; the boundary in index.ts turns
 * it into a response. `headers` collects headers the final response must carry, error or not.
 */
export async function handleMcp(request: Request, rc: RequestContext, headers: ResponseHeaders): Promise<Response> {
  checkOrigin(request, rc.config);
  if ((request.method === "GET" || request.method === "DELETE") && isModernBodilessRequest(request)) {
    rc.fields.lane = "modern";
    throw modernMethodNotAllowed();
  }
  if (request.method === "GET" || (request.method !== "POST" && request.method !== "DELETE")) {
    // No standalone SSE stream: a per-request server has nothing to push later.
    const message = request.method === "GET" ? GET_STREAM_NOT_ALLOWED : MCP_METHOD_NOT_ALLOWED;
    throw new HttpError(405, message, { headers: { allow: "POST, DELETE" } });
  }

  if (request.method === "DELETE") {
    const { principal, gate } = await admit(request, rc, headers, null);
    await gate();
    return deleteLegacySession(request, principal, rc);
  }

  checkMediaTypes(request);
  const body = await readBodyCapped(request, rc.config.maxBodyBytes);
  const message = parseMessage(body);
  if ("method" in message) rc.fields.method = message.method;
  if ("method" in message && message.method === "initialize") checkInitializeSize(body, rc.config.initializeMaxBytes);
  const modern = await isModernPost(request, message);
  // The modern lane answers a bad MCP-Protocol-Version itself (-32022 / -32020, as the 2026-07-28 revision says).
  if (!modern) checkProtocolVersionHeader(request, [FIRST_MODERN_REVISION]);

  // A session lookup can start with the key lookup only for a legacy message that names a session.
  const initialize = "method" in message && message.method === "initialize";
  const sessionId = modern || initialize ? null : request.headers.get("mcp-session-id");
  const { principal, gate, session } = await admit(request, rc, headers, sessionId);
  rc.fields.lane = modern ? "modern" : "legacy";
  if (modern) return serveModernPost(request, message, principal, rc, gate);
  return serveLegacyPost(request, message, principal, rc, gate, session);
}
