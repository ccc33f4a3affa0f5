import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { RequestContext } from "../../context.ts";
import { HttpError } from "../../http/errors.ts";
import { throttleByAddress } from "../../http/throttle.ts";
import type { McpResource } from "../resource.ts";
import { authorizationServerFor, OAUTH_SCOPES } from "../server.ts";
import { apiKeyLogin, SIGN_IN_FAILED } from "./api-key.ts";
import { completeSignIn, failurePage, grantedScopes } from "./complete.ts";
import { consentPage, DECISION, FIELD, type SignInChoices } from "./consent-page.ts";
import { errorPage } from "./html.ts";
import type { TenantLoginTarget } from "./methods.ts";
import { oidcLogin } from "./oidc.ts";
import { loadTenantLogin } from "./settings.ts";

// A tenant id no tenant has: a sign-in to an unknown slug still verifies the key (same work, same answer).
const NO_TENANT = "00000000-0000-0000-0000-000000000000";
/** What the page offers when it cannot know the tenant's methods: both, so it tells nothing about any tenant. */
const EVERY_METHOD: SignInChoices = { apiKey: true, oidc: true };

/**
 * `/authorize`: GET validates the client's request (client, exact redirect URI, PKCE S256, resource) and shows the
 * sign-in and consent page, with the ways to sign in the tenant allows (on a tenant host; on the shared host the
 * person types the tenant's slug, and the page offers both). POST is the person's choice:
 * - an API key of the tenant: verified, then, when they allowed it, the authorization completes here (a grant with
 *   the scopes they ticked, at most the key's, and a redirect to the client with the code, its `state` and `iss`);
 * - "Sign in with your organisation": a redirect to the tenant's OpenID Connect provider, which sends the person back
 *   to the callback (src/oauth/login/oidc-callback.ts) where the same completion runs, with the scopes ticked here;
 * - Deny: back to the client with `access_denied`.
 * The form is bound to the browser that opened the page by the consent helper's handle and cookie (CSRF): it works
 * once, for ten minutes. Every refusal of a sign-in reads the same, whether the tenant is unknown, lacks the method
 * chosen, or the key is wrong.
 */
export async function authorize(
  request: Request,
  rc: RequestContext,
  resource: McpResource,
  env: Env,
): Promise<Response> {
  const oauth = authorizationServerFor(resource, rc.config).getOAuthApi(env);
  try {
    if (request.method === "GET") return await showPage(oauth, request, rc, resource);

    // Every sign-in attempt is a key lookup or a trip to a provider: counted per client address like any other.
    await throttleByAddress(rc.throttles.authentication, request, rc.log, "authentication");
    const forLogin = request.clone();
    const form = await request.clone().formData();
    const handle = String(form.get(FIELD.handle) ?? "");
    const decision = form.get(FIELD.decision);
    if (decision !== DECISION.apiKey && decision !== DECISION.oidc) {
      const denied = await oauth.denyConsent(request, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }

    const slug = (resource.tenantSlug ?? String(form.get(FIELD.slug) ?? "")).trim().toLowerCase();
    const found = await loadTenantLogin(rc, slug);
    const ticked = form.getAll(FIELD.scope).map(String);

    if (decision === DECISION.oidc) {
      if (!found?.settings.oidc) {
        throw new HttpError(401, SIGN_IN_FAILED, { internal: `no OpenID Connect sign-in for tenant "${slug}"` });
      }
      rc.fields.tenant_id = found.tenantId;
      const scopes = grantedScopes(ticked, OAUTH_SCOPES);
      if (scopes.length === 0) return errorPage("Choose at least one kind of access, or Deny.", 400);
      // The consent handle stays unused until the callback, which must come back to this browser (its cookie).
      return await oidcLogin({ origin: resource.origin }).begin(rc, found, handle, { scopes });
    }

    const target: TenantLoginTarget = found ?? {
      tenantId: NO_TENANT,
      slug,
      settings: { apiKeyLogin: true, oidc: null },
    };
    const user = await apiKeyLogin.finish(rc, target, forLogin);
    return await completeSignIn(oauth, rc, request, target, user, ticked);
  } catch (err) {
    return failurePage(err, rc);
  }
}

/**
 * The page for a validated authorization request. On a tenant host it offers the tenant's methods (an unknown tenant's
 * host offers both, as the shared host does). Postgres is read before the consent transaction is stored, so a fault
 * leaves nothing behind.
 */
async function showPage(
  oauth: OAuthHelpers,
  request: Request,
  rc: RequestContext,
  resource: McpResource,
): Promise<Response> {
  const authRequest = await oauth.parseAuthRequest(request);
  // First: a client that cannot be described leaves nothing in storage.
  const details = await oauth.describeConsent(authRequest);
  let methods = EVERY_METHOD;
  if (resource.tenantSlug !== undefined) {
    const tenant = await loadTenantLogin(rc, resource.tenantSlug);
    if (tenant) methods = { apiKey: tenant.settings.apiKeyLogin, oidc: tenant.settings.oidc !== null };
  }
  const consent = await oauth.beginConsent(authRequest);
  return consentPage(details, consent.handle, {
    headers: consent.headers,
    methods,
    ...(resource.tenantSlug ? { tenantSlug: resource.tenantSlug } : {}),
  });
}
