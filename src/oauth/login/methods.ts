import type { RequestContext } from "../../context.ts";

/**
 * A tenant's sign-in settings at /authorize. This branch knows one switch; the tenant-login migration (per-tenant
 * OpenID Connect) extends it with the identity provider's settings.
 */
export interface TenantLoginSettings {
  /** Whether a person may sign in by pasting one of the tenant's API keys. */
  apiKeyLogin: boolean;
}

/** One way a tenant's user signs in at /authorize. */
export interface LoginMethod {
  kind: "api_key" | "oidc";
  /** Starts sign-in: a Response (a form page or a redirect to the IdP) for the pending authorization `handle`. */
  begin(rc: RequestContext, tenant: TenantLoginTarget, handle: string): Promise<Response>;
  /** Finishes it (form post or IdP callback): the signed-in user, or an HttpError to render. */
  finish(rc: RequestContext, tenant: TenantLoginTarget, request: Request): Promise<SignedInUser>;
}

/** The tenant a person is signing in to, found from the tenant host or the slug typed on the page. */
export interface TenantLoginTarget {
  tenantId: string;
  slug: string;
  settings: TenantLoginSettings;
}

/**
 * Who signed in: `subject` names them within the tenant (recorded in every grant, audit row and log line), `scopes`
 * is the most their grant may carry, and `handle` is the pending consent it completes.
 */
export interface SignedInUser {
  subject: string;
  email?: string;
  scopes: readonly string[];
  handle: string;
}
