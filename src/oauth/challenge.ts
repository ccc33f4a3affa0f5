import type { Principal } from "../auth/principal.ts";
import { HttpError } from "../http/errors.ts";
import type { McpResource } from "./resource.ts";

/** The scopes a client asks for first (MCP: the challenge's `scope` is what it requests). */
const BASELINE_SCOPES = "mcp:read mcp:write";

/** The public message of a 401 for an OAuth token that is not (or no longer) valid here. */
export const INVALID_OAUTH_TOKEN = "Invalid or expired access token";

/** The protected resource metadata URL of `resource` (RFC 9728 section 3.1, path-inserted). */
function metadataUrl(resource: McpResource): string {
  return `${resource.origin}/.well-known/oauth-protected-resource/mcp`;
}

/**
 * 401 for a request that presented no credentials: a Bearer challenge naming the protected resource metadata and the
 * scopes to ask for, so an OAuth client can discover the authorization server; a plain one where OAuth is not offered.
 */
export function missingCredentials(resource: McpResource | null): HttpError {
  const challenge = resource
    ? `Bearer resource_metadata="${metadataUrl(resource)}", scope="${BASELINE_SCOPES}"`
    : "Bearer";
  return new HttpError(401, "Missing credentials", { headers: { "www-authenticate": challenge } });
}

/**
 * 401 for an OAuth access token that is malformed, unknown, expired, revoked or bound to another resource. One answer
 * whatever the reason, which goes to the log only.
 */
export function invalidOAuthToken(resource: McpResource | null, reason: string): HttpError {
  const challenge = resource
    ? `Bearer error="invalid_token", resource_metadata="${metadataUrl(resource)}"`
    : 'Bearer error="invalid_token"';
  return new HttpError(401, INVALID_OAUTH_TOKEN, { internal: reason, headers: { "www-authenticate": challenge } });
}

/** 403 for a valid credential whose scopes do not cover the operation: names every scope it needs (step-up). */
export function insufficientScope(
  principal: Principal,
  resource: McpResource | null,
  needed: readonly string[],
): HttpError {
  const parts = ['Bearer error="insufficient_scope"', `scope="${needed.join(" ")}"`];
  if (resource && principal.credential.kind === "oauth_grant")
    parts.push(`resource_metadata="${metadataUrl(resource)}"`);
  return new HttpError(403, "Insufficient scope", { headers: { "www-authenticate": parts.join(", ") } });
}
