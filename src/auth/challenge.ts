import type { Principal } from "./principal.ts";
import { MCP_SCOPES } from "./scopes.ts";
import { HttpError } from "../http/errors.ts";
import { bearerChallenge, INVALID_ACCESS_TOKEN, INVALID_API_KEY, insufficientScopeMessage } from "../http/messages.ts";
import type { McpResource } from "../oauth/resource.ts";

/**
 * The `WWW-Authenticate` challenges of `/mcp` (RFC 6750 section 3, RFC 9728 section 5.1, MCP authorization). Which one
 * a request gets depends on what it presented, so that clients configured with an API key never switch to OAuth:
 *
 * - nothing (no Authorization header, or another scheme): {@link missingCredentials}, pointing at the protected
 *   resource metadata, so an OAuth client can discover the authorization server;
 * - a `tmcp_` key, well-formed or not: the API-key 401 of src/auth/authenticate.ts, without `resource_metadata`;
 * - any other bearer token: {@link invalidOAuthToken};
 * - valid credentials without the scopes an operation needs: {@link insufficientScope} (403, step-up).
 *
 * Where the request's host names no MCP resource (PUBLIC_BASE_URL unset or another host), OAuth is not offered and
 * no challenge points at metadata.
 */

/**
 * The URL of the protected resource metadata of `resource` (RFC 9728 section 3.1: the well-known segment goes
 * between the host and the resource's path).
 */
export function resourceMetadataUrl(resource: McpResource): string {
  return `${resource.origin}/.well-known/oauth-protected-resource${new URL(resource.resource).pathname}`;
}

/**
 * 401 for a request that presented no bearer token. With a resource: `Bearer resource_metadata="<PRM URL>",
 * scope="mcp:read mcp:write"`, and no error code (RFC 6750 section 3.1: a request without credentials gets none).
 * Without one: the bare challenge API-key clients have always had. The body is the API-key hint either way: a person
 * reading it with a key in hand learns how to send it; an OAuth client reads the header.
 */
export function missingCredentials(resource: McpResource | null): HttpError {
  const challenge =
    resource === null
      ? bearerChallenge(false)
      : `Bearer resource_metadata="${resourceMetadataUrl(resource)}", scope="${MCP_SCOPES.join(" ")}"`;
  return new HttpError(401, INVALID_API_KEY, {
    internal: "no bearer token",
    headers: { "www-authenticate": challenge },
  });
}

/**
 * 401 for a bearer token that is not an API key and did not validate as an access token for `resource` (unknown,
 * expired, revoked, another resource's). `reason` goes to the log only: every cause gets one answer.
 */
export function invalidOAuthToken(resource: McpResource | null, reason: string): HttpError {
  const challenge =
    resource === null
      ? 'Bearer error="invalid_token"'
      : `Bearer error="invalid_token", resource_metadata="${resourceMetadataUrl(resource)}"`;
  return new HttpError(401, INVALID_ACCESS_TOKEN, { internal: reason, headers: { "www-authenticate": challenge } });
}

/**
 * 403 for valid credentials whose scopes do not cover what the request needs. `needed` lists every scope the
 * operation needs (MCP 2026-07-28: one challenge, so one step-up is enough); the client asks for them (OAuth) or
 * the operator makes a key that has them. `resource_metadata` only for OAuth credentials: an API-key client has no
 * authorization server to go to, and must not be sent to one.
 */
export function insufficientScope(
  principal: Principal,
  resource: McpResource | null,
  needed: readonly string[],
): HttpError {
  const scope = needed.join(" ");
  const metadata =
    principal.credential.kind === "oauth_grant" && resource !== null
      ? `, resource_metadata="${resourceMetadataUrl(resource)}"`
      : "";
  return new HttpError(403, insufficientScopeMessage(needed), {
    internal: `scopes ${principal.scopes.join(" ") || "(none)"} lack ${scope}`,
    headers: { "www-authenticate": `Bearer error="insufficient_scope", scope="${scope}"${metadata}` },
  });
}
