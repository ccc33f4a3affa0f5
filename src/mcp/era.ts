import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { HttpError } from "../http/errors.ts";
import { STATELESS_METHOD_NOT_ALLOWED } from "../http/messages.ts";

// Which protocol era (and so which lane) a request belongs to, decided before either lane's SDK is loaded where the
// answer is certain without it (src/mcp/lanes.ts asks the SDK where it is not). test/node/lean-lanes.test.ts checks
// every constant here against the SDKs.

/** The first revision of the stateless era; revision names are ISO dates, so they order as strings. */
export const FIRST_STATELESS_REVISION = "2026-07-28";

/** The revisions the session lane serves: the v1 SDK's `SUPPORTED_PROTOCOL_VERSIONS`, newest first. */
export const SESSION_REVISIONS: readonly string[] = Object.freeze([
  "2025-11-25",
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
  "2024-10-07",
]);

/** The `_meta` key whose presence claims the 2026-07-28 per-request envelope (the v2 SDK's `PROTOCOL_VERSION_META_KEY`). */
export const ENVELOPE_CLAIM_KEY = "io.modelcontextprotocol/protocolVersion";

/**
 * False only when the v2 SDK's classifier certainly answers "legacy": the `MCP-Protocol-Version` header (if any) names
 * a revision before the stateless era, and the message carries no envelope claim (the classifier's only two reasons
 * for anything but "legacy" on a single, well-formed message).
 */
export function mayBeStateless(request: Request, message: JSONRPCMessage): boolean {
  // Fetch has already stripped the header's surrounding whitespace, as the SDK's classifier does.
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && version >= FIRST_STATELESS_REVISION) return true;
  const params = (message as { params?: unknown }).params;
  const meta = isPlainObject(params) ? params._meta : undefined;
  return isPlainObject(meta) && ENVELOPE_CLAIM_KEY in meta;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A GET or DELETE of the stateless era: it names a 2026-07-28+ revision and carries no session. Such a request gets 405
 * (the revision has no standalone stream and no session to end); a DELETE with `Mcp-Session-Id` stays a session
 * session termination whatever else it carries.
 */
export function isStatelessBodilessRequest(request: Request): boolean {
  const version = request.headers.get("mcp-protocol-version")?.trim();
  return (
    !request.headers.has("mcp-session-id") &&
    version !== undefined &&
    /^\d{4}-\d{2}-\d{2}$/.test(version) &&
    version >= FIRST_STATELESS_REVISION
  );
}

/** The answer to a stateless GET or DELETE: 405 as the SDK gives it (`Allow: POST`), in the session lane's body. */
export function statelessMethodNotAllowed(): HttpError {
  return new HttpError(405, STATELESS_METHOD_NOT_ALLOWED, {
    headers: { allow: "POST" },
    internal: "GET/DELETE on the stateless revision",
  });
}
