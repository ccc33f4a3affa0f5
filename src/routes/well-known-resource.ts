import type { Context } from "hono";
import { MCP_SCOPES } from "../auth/scopes.ts";
import { HttpError } from "../http/errors.ts";
import { GET_ONLY, notFound } from "../http/messages.ts";
import { SERVER_INFO } from "../mcp/server-info.ts";
import { mcpResourceOf } from "../oauth/resource.ts";
import { newApp, type AppEnv } from "./scope.ts";

/** How long a client or cache may keep the metadata: it changes only with the deployment's configuration. */
const MAX_AGE_SECONDS = 3600;

/**
 * Request headers a browser client sends when it fetches the metadata: MCP clients add `MCP-Protocol-Version` to
 * discovery requests, which makes the browser ask first.
 */
const ALLOWED_REQUEST_HEADERS = "mcp-protocol-version, accept";

/** Protected resource metadata (RFC 9728 section 2) as this server publishes it. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: string[];
  resource_name: string;
}

/**
 * The metadata of the resource `resource` on `origin`. The authorization server is the Worker itself on the same
 * origin (its issuer is the origin, src/oauth/server.ts), one per host, so a tenant host's tokens are issued and
 * checked on that host alone. Tokens travel only in the Authorization header (RFC 6750 section 2.1): a token in a
 * query string or a form body is never read.
 */
export function protectedResourceMetadata(origin: string, resource: string): ProtectedResourceMetadata {
  return {
    resource,
    authorization_servers: [origin],
    scopes_supported: [...MCP_SCOPES],
    bearer_methods_supported: ["header"],
    resource_name: SERVER_INFO.title,
  };
}

/**
 * `/.well-known/oauth-protected-resource/mcp` (RFC 9728 section 3.1, the path-inserted form for the resource
 * `<origin>/mcp`) and `/.well-known/oauth-protected-resource` (the root form, whose `resource` is the origin itself:
 * section 3.3 requires `resource` to equal the identifier the metadata URL was built from). Built from configuration
 * only (src/oauth/resource.ts): a host the configuration does not name gets 404, whatever its Host or
 * `X-Forwarded-*` headers say. The same answer for every tenant host, existing tenant or not, so it reveals none.
 *
 * Public, and readable from any origin (`Access-Control-Allow-Origin: *`, RFC 9728 section 3 expects browser-based
 * clients): it holds nothing that is not in the configuration.
 */
export const wellKnownResourceRoutes = newApp()
  .all("/", (c) => serve(c, "origin"))
  .all("/mcp", (c) => serve(c, "resource"));

function serve(c: Context<AppEnv>, which: "origin" | "resource"): Response {
  const request = c.req.raw;
  const resource = mcpResourceOf(request, c.var.rc.config);
  if (resource === null) throw new HttpError(404, notFound(new URL(request.url).pathname));
  if (request.method === "OPTIONS") {
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET",
        "access-control-allow-headers": ALLOWED_REQUEST_HEADERS,
        "access-control-max-age": "7200",
      },
    });
  }
  if (request.method !== "GET") throw new HttpError(405, GET_ONLY, { headers: { allow: "GET" } });
  const identifier = which === "origin" ? resource.origin : resource.resource;
  return Response.json(protectedResourceMetadata(resource.origin, identifier), {
    headers: { "access-control-allow-origin": "*", "cache-control": `public, max-age=${MAX_AGE_SECONDS}` },
  });
}
