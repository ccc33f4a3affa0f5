import { MCP_SCOPES } from "../auth/scopes.ts";
import { OAuthAuthorizationServer } from "@cloudflare/workers-oauth-provider";
import type { Config } from "../config.ts";
import { createLogger } from "../log/logger.ts";
import type { McpResource } from "./resource.ts";

/** The scopes this server grants: the MCP scopes (src/auth/scopes.ts decides what each allows). */
export const OAUTH_SCOPES: readonly string[] = MCP_SCOPES;

/** Where the token endpoint (and revocation) lives, on the issuer's origin. */
export const TOKEN_PATH = "/oauth/token";
/** Where dynamic client registration (RFC 7591) lives, on the issuer's origin. */
export const REGISTER_PATH = "/oauth/register";
/** The authorization endpoint: our own login and consent pages (src/routes/oauth.ts). */
export const AUTHORIZE_PATH = "/authorize";

// One server per issuer and setting: `resources` is fixed at construction, and tenant hosts each have their own.
const servers = new Map<string, OAuthAuthorizationServer<Env>>();

/**
 * The authorization server of `resource`'s origin, memoised per isolate. Its issuer is the origin (so the protected
 * resource metadata's `authorization_servers` is `[origin]`), and it issues tokens for exactly two audiences: the
 * canonical MCP resource `<origin>/mcp` and the origin itself (what the root protected resource metadata names), so a
 * token can never be good on another host. PKCE (S256 only), RFC 8707 binding, RFC 9207 `iss` and refresh-token
 * rotation are the library's; CIMD and dynamic registration are on.
 */
export function authorizationServerFor(resource: McpResource, config: Config): OAuthAuthorizationServer<Env> {
  const key = `${resource.origin} ${config.oauthAccessTokenTtlSeconds}`;
  let server = servers.get(key);
  if (!server) {
    server = new OAuthAuthorizationServer<Env>({
      issuer: resource.origin,
      resources: [resource.resource, resource.origin],
      // A client that names no resource gets the MCP endpoint, never the origin-wide audience by accident.
      defaultResource: resource.resource,
      authorizeEndpoint: AUTHORIZE_PATH,
      tokenEndpoint: TOKEN_PATH,
      clientRegistrationEndpoint: REGISTER_PATH,
      scopesSupported: [...OAUTH_SCOPES],
      accessTokenTTL: config.oauthAccessTokenTtlSeconds,
      clientIdMetadataDocumentEnabled: true,
      onError: ({ code, status, internal }) => {
        // The library answers the client itself; the server-side reason is ours to log (never a token).
        createLogger({ issuer: resource.origin }).info("oauth error", { code, status, reason: internal.reason });
      },
    });
    servers.set(key, server);
  }
  return server;
}
