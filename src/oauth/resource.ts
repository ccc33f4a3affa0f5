import { tenantSlugFromHost } from "../auth/authenticate.ts";
import type { Config } from "../config.ts";

/** The MCP resource a request addressed, as OAuth names it (RFC 8707, RFC 9728). */
export interface McpResource {
  /** The origin the resource lives on, e.g. `https://acme.mcp.example.com`: the issuer of its authorization server. */
  origin: string;
  /** The canonical resource identifier, `<origin>/mcp`: the audience every token for it is bound to. */
  resource: string;
  /** The tenant of a tenant host (`<slug>.<TENANT_HOST_SUFFIX>`); absent on the shared host. */
  tenantSlug?: string;
}

/**
 * The canonical MCP resource of the host a request came to, built from configuration only: on a tenant host
 * (`<slug>.<TENANT_HOST_SUFFIX>`) with the scheme and port of PUBLIC_BASE_URL (https when unset); on the shared host
 * when it is PUBLIC_BASE_URL's host. `null` elsewhere: OAuth is not offered on a host the configuration does not name,
 * so a spoofed Host or `X-Forwarded-Host` can never make the Worker announce, or accept tokens for, a resource of its
 * choosing.
 */
export function mcpResourceOf(request: Request, config: Config): McpResource | null {
  const url = new URL(request.url);
  const base = config.publicBaseUrl ? new URL(config.publicBaseUrl) : undefined;
  const slug = tenantSlugFromHost(request.url, config.tenantHostSuffix);
  if (slug !== null) {
    // A deeper host (`a.b.<suffix>`) is no tenant's: no resource.
    if (slug.includes(".") || slug === "") return null;
    const protocol = base?.protocol ?? "https:";
    const port = base?.port ? `:${base.port}` : "";
    const origin = `${protocol}//${url.hostname.toLowerCase().replace(/\.$/, "")}${port}`;
    return { origin, resource: `${origin}/mcp`, tenantSlug: slug };
  }
  if (base && url.host.toLowerCase() === base.host) return { origin: base.origin, resource: `${base.origin}/mcp` };
  return null;
}
