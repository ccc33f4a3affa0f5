import { verify } from "../../auth/authenticate.ts";
import type { RequestContext } from "../../context.ts";
import { HttpError } from "../../http/errors.ts";
import { OAUTH_SCOPES } from "../server.ts";
import { expandScopes, type McpScope } from "../../auth/scopes.ts";
import { FIELD } from "./consent-page.ts";
import { escapeHtml, htmlPage } from "./html.ts";
import type { LoginMethod, SignedInUser, TenantLoginTarget } from "./methods.ts";

/**
 * The one answer to a failed sign-in on the page, whatever failed: an unknown tenant, a bad key, another tenant's key,
 * a method the tenant does not offer (API key or its organisation's provider).
 */
export const SIGN_IN_FAILED = "The tenant, the API key or the sign-in method is not right.";

/** The OAuth scopes an API key allows: the scopes it holds, with the hierarchy applied, in the catalogue's order. */
export function oauthScopesOf(keyScopes: readonly string[]): string[] {
  const held = expandScopes(keyScopes);
  return OAUTH_SCOPES.filter((s) => held.has(s as McpScope));
}

/**
 * Sign-in with one of the tenant's API keys, pasted once: the key is verified exactly as on `/mcp` (same record, same
 * checks, the tenant host's binding included) and must belong to the tenant chosen. The person is `key:<key id>`,
 * and the key's scopes are the most the grant may carry.
 */
export const apiKeyLogin: LoginMethod = {
  kind: "api_key",

  async begin(_rc: RequestContext, tenant: TenantLoginTarget, handle: string): Promise<Response> {
    return htmlPage(
      "Sign in",
      `<h1>Sign in to ${escapeHtml(tenant.slug)}</h1>
<form method="post">
<input type="hidden" name="${FIELD.handle}" value="${escapeHtml(handle)}">
<label>API key <input type="password" name="${FIELD.apiKey}" autocomplete="off" spellcheck="false"></label>
<p><button name="${FIELD.decision}" value="approve">Sign in</button></p>
</form>`,
    );
  },

  async finish(rc: RequestContext, tenant: TenantLoginTarget, request: Request): Promise<SignedInUser> {
    const form = await request.formData();
    const handle = String(form.get(FIELD.handle) ?? "");
    const key = String(form.get(FIELD.apiKey) ?? "").trim();
    // The key's own checks, on the URL the person signs in at (a tenant host accepts only its tenant's keys).
    const probe = new Request(request.url, { headers: { authorization: `Bearer ${key}` } });
    let verified: Awaited<ReturnType<typeof verify>>;
    try {
      verified = await verify(probe, rc);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) throw failed(err.internal ?? "bad key");
      throw err;
    }
    if (verified.record.tenantId !== tenant.tenantId) {
      throw failed(`key of tenant ${verified.record.tenant.slug} used to sign in to ${tenant.slug}`);
    }
    // After the key's checks, so a tenant with the method off answers as slowly as one with a wrong key.
    if (!tenant.settings.apiKeyLogin) throw failed(`API-key sign-in is off for tenant ${tenant.slug}`);
    const keyId = verified.record.keyId;
    return {
      subject: `key:${keyId}`,
      scopes: oauthScopesOf(verified.principal.scopes),
      handle,
      login: { method: "api_key", keyId },
    };
  },
};

function failed(reason: string): HttpError {
  return new HttpError(401, SIGN_IN_FAILED, { internal: reason });
}
