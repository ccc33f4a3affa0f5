/**
 * The public texts of the errors a person meets while connecting a client, in one place so that both protocol lanes,
 * every route and the `WWW-Authenticate` challenge say the same thing. Each names what to do next. None depends on
 * why a request failed beyond what the caller already knows (a bad key, a missing session and a tool the tenant lacks
 * each get one text whatever the cause), and none names a plan, a feature or another tenant.
 */

/**
 * Every authentication failure: missing, malformed, unknown, wrong-secret, expired and revoked keys alike. Also the
 * challenge's `error_description`, so it may only hold RFC 6750 section 3 characters (no `"` and no `\`).
 */
export const INVALID_API_KEY = "Missing or invalid API key: send Authorization: Bearer tmcp_<key id>_<secret>";

/**
 * Every OAuth access-token failure (unknown, expired, revoked, issued for another resource): the client should sign
 * in again. One text whatever the cause, like {@link INVALID_API_KEY}.
 */
export const INVALID_ACCESS_TOKEN = "Invalid or expired access token: sign in again to get a new one";

/**
 * 403 for valid credentials without the scopes a request needs. Names the scopes (the challenge does too), never a
 * plan: a tool the plan lacks is "not available", not a scope problem.
 */
export function insufficientScopeMessage(needed: readonly string[]): string {
  return `Insufficient scope: this request needs ${needed.join(" and ")}; use an API key or sign-in that grants it`;
}

/** 403 for a valid key of a suspended tenant (the one authentication failure that differs: the key itself is fine). */
export const TENANT_SUSPENDED = "Tenant suspended: ask the operator of this server to reactivate it";

const REALM = 'Bearer realm="tenant-mcp"';

/**
 * The `WWW-Authenticate` challenge of a 401. RFC 6750 section 3.1: a request that carried no bearer token at all (no
 * Authorization header, or another scheme) gets no error code or other error information; a request whose token is
 * bad gets `invalid_token`, here with the same text as the body.
 */
export function bearerChallenge(tokenPresented: boolean): string {
  return tokenPresented ? `${REALM}, error="invalid_token", error_description="${INVALID_API_KEY}"` : REALM;
}

/** 403 for a browser origin the deployment does not serve (the operator lists origins in ALLOWED_ORIGINS). */
export const ORIGIN_NOT_ALLOWED = "Origin not allowed: this server's ALLOWED_ORIGINS does not list it";

/** 404 on any other path. Clients configured with `/mcp/`, `/` or a session `/sse` URL learn the right one. */
export function notFound(pathname: string): string {
  // The HTTP+SSE transport of 2024-11-05 (GET /sse + POST /messages) is what an old client URL points at.
  if (/^\/(sse|messages)\/?$/.test(pathname)) {
    return "Not found: this server speaks Streamable HTTP, not HTTP+SSE: send MCP requests with POST /mcp";
  }
  return "Not found: the MCP endpoint is POST /mcp";
}

/** 405 on `/mcp` for a method no lane has. */
export const MCP_METHOD_NOT_ALLOWED =
  "Method not allowed: send requests with POST /mcp; GET /mcp with Mcp-Session-Id opens the session's notification stream, DELETE ends the session";

/** 405 on a GET or DELETE naming MCP 2026-07-28: the revision has no standalone stream and no session. */
export const STATELESS_METHOD_NOT_ALLOWED =
  "Method not allowed: MCP 2026-07-28 has no GET stream and no session to DELETE; send requests with POST /mcp";

/** 405 on a GET-only route (`/healthz`, `/healthz/tenant`). */
export const GET_ONLY = "Method not allowed: use GET";

/** 404 -32001 for an unknown, expired, ended or other tenant's session: the client must start a new one. */
export const SESSION_NOT_FOUND =
  "Session not found: it expired or was ended; send initialize again to start a new session";

/** 400 for an `MCP-Protocol-Version` header no lane serves. `requested` is the caller's, cut short. */
export function unsupportedVersion(requested: string, supported: readonly string[]): string {
  return `Unsupported protocol version: ${requested.slice(0, 32)}; this server supports ${supported.join(", ")}`;
}

/**
 * -32602 for a tool the tenant cannot call: one text whether another plan has the tool or no plan does, so a tenant
 * learns nothing about other plans. `name` is the caller's, cut short.
 */
export function toolNotAvailable(name: string): string {
  return `Tool not available to this tenant: ${name.slice(0, 100)}`;
}
