import type { RequestContext } from "../../context.ts";
import type { GrantLogin } from "../grant-user.ts";
import type { TenantLoginSettings } from "./settings.ts";

export type { TenantLoginSettings } from "./settings.ts";

/** One way a tenant's user signs in at /authorize. */
export interface LoginMethod {
  kind: "api_key" | "oidc";
  /**
   * Starts sign-in: a Response (a form page or a redirect to the IdP) for the pending authorization `handle`. A method
   * that leaves the page (a redirect) keeps `consent.scopes`, what the person ticked there, and hands them back from
   * `finish` as {@link SignedInUser.chosenScopes}: nothing that comes back through the browser may decide them.
   */
  begin(
    rc: RequestContext,
    tenant: TenantLoginTarget,
    handle: string,
    consent?: { scopes: readonly string[] },
  ): Promise<Response>;
  /** Finishes it (form post or IdP callback): the signed-in user, or an HttpError to render. */
  finish(rc: RequestContext, tenant: TenantLoginTarget, request: Request): Promise<SignedInUser>;
}

/** The tenant a sign-in is for, and how its users may sign in. */
export interface TenantLoginTarget {
  tenantId: string;
  slug: string;
  settings: TenantLoginSettings;
}

/** Who signed in, for the grant the authorization server then issues. */
export interface SignedInUser {
  /** Stable per tenant and login method: `key:<keyId>`, `oidc:<sub>`. Recorded on the grant and in audit rows. */
  subject: string;
  email?: string;
  /** The most the grant may carry; the client's request narrows it. */
  scopes: readonly string[];
  /** What the person ticked before leaving for the provider (given to `begin`); absent for a form post. */
  chosenScopes?: readonly string[];
  /** How they signed in: recorded on the grant, so switching the method off or revoking the key reaches it. */
  login: GrantLogin;
  /** The pending authorization this sign-in completes (what `begin` was given). */
  handle: string;
}
