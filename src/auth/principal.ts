import type { TenantContext } from "../tenancy/tenant.ts";

/**
 * The credential a request was admitted with, by kind. Everything that keys on "who called" (session records, audit
 * rows, the early rate-limit count's liveness check) keys on `id` and branches on `kind` only where the kinds differ,
 * so a new kind is one more member here and a compile error at each place that must decide what it means.
 */
export type Credential = ApiKeyCredential | OAuthGrantCredential;

/** A tenant API key (`tmcp_<id>_<secret>`), verified against its record in src/auth/. */
export interface ApiKeyCredential {
  kind: "api_key";
  /** The key id (`api_keys.id`), the public part of the key. */
  id: string;
}

/**
 * An OAuth access token issued by this Worker's authorization server: `id` is the grant it was issued under (one
 * user's consent for one client), so revoking the grant ends every token of it; `clientId` is the OAuth client.
 */
export interface OAuthGrantCredential {
  kind: "oauth_grant";
  /** The grant id, stable across refreshes of the token. */
  id: string;
  /** The OAuth client the grant was made to (a registered client id or a CIMD URL). */
  clientId: string;
}

/**
 * Who is calling, whatever the credential: the tenant it acts for, the credential it presented, what that credential
 * may do, and (for credentials issued to a person) who it was issued to.
 */
export interface Principal {
  tenant: TenantContext;
  credential: Credential;
  /**
   * What the credential may do (src/auth/scopes.ts: `mcp:read`, `mcp:write`), within what the tenant's plan allows
   * (`tenant.features` gates tools on its own). A scope can only narrow the plan, never widen it.
   */
  scopes: readonly string[];
  /** The person the credential was issued to, when it names one; an API key names none. */
  subject?: string;
}

/** The principal of a verified API key of `tenant`, with the scopes the key was created with. */
export function apiKeyPrincipal(tenant: TenantContext, keyId: string, scopes: readonly string[]): Principal {
  return { tenant, credential: { kind: "api_key", id: keyId }, scopes };
}
