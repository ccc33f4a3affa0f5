/**
 * Where a tenant's OpenID Connect provider sends its users back: one redirect URI per tenant and origin, which the
 * tenant's operator registers at the provider. The tenant is in the path, so the callback knows whose provider to
 * trust before it reads anything else, and a shared host and a tenant host each have their own.
 */

/** The route of the callback, in Hono's syntax. */
export const OIDC_CALLBACK_ROUTE = "/oauth/oidc/:slug/callback";

/** The redirect URI of tenant `slug` on `origin` (the canonical origin from `mcpResourceOf`, never a request header). */
export function oidcRedirectUri(origin: string, slug: string): string {
  return `${origin}/oauth/oidc/${encodeURIComponent(slug)}/callback`;
}
