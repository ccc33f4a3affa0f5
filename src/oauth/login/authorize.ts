import { AuthorizationError, CimdFetchError } from "@cloudflare/workers-oauth-provider";
import type { RequestContext } from "../../context.ts";
import { HttpError } from "../../http/errors.ts";
import { throttleByAddress } from "../../http/throttle.ts";
import { grantUserId, type GrantProps } from "../grant-user.ts";
import type { McpResource } from "../resource.ts";
import { expandScopes, type McpScope } from "../../auth/scopes.ts";
import { authorizationServerFor, OAUTH_SCOPES } from "../server.ts";
import { apiKeyLogin, SIGN_IN_FAILED } from "./api-key.ts";
import { consentPage, FIELD } from "./consent-page.ts";
import { errorPage } from "./html.ts";
import type { TenantLoginTarget } from "./methods.ts";
import { loadTenantLogin } from "./settings.ts";

// A tenant id no tenant has: a sign-in to an unknown slug still verifies the key (same work, same answer).
const NO_TENANT = "00000000-0000-0000-0000-000000000000";

/**
 * `/authorize`: GET validates the client's request (client, exact redirect URI, PKCE S256, resource) and shows the
 * sign-in and consent page; POST signs the person in with an API key of the tenant and, when they allowed it,
 * completes the authorization: a grant for `<tenant>/<subject>` with the scopes they ticked, at most the key's, and a
 * redirect to the client with the code, its `state` and `iss`. The form is bound to the browser that opened the page
 * by the consent helper's handle and cookie (CSRF): it works once, for ten minutes.
 */
export async function authorize(
  request: Request,
  rc: RequestContext,
  resource: McpResource,
  env: Env,
): Promise<Response> {
  const oauth = authorizationServerFor(resource, rc.config).getOAuthApi(env);
  try {
    if (request.method === "GET") {
      const authRequest = await oauth.parseAuthRequest(request);
      // First: a client that cannot be described leaves nothing in storage.
      const details = await oauth.describeConsent(authRequest);
      const consent = await oauth.beginConsent(authRequest);
      return consentPage(details, consent.handle, {
        headers: consent.headers,
        ...(resource.tenantSlug ? { tenantSlug: resource.tenantSlug } : {}),
      });
    }

    // Every sign-in attempt is a key lookup: counted per client address like any other.
    await throttleByAddress(rc.throttles.authentication, request, rc.log, "authentication");
    const forLogin = request.clone();
    const form = await request.clone().formData();
    const handle = String(form.get(FIELD.handle) ?? "");
    if (form.get(FIELD.decision) !== "approve") {
      const denied = await oauth.denyConsent(request, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }

    const slug = resource.tenantSlug ?? String(form.get(FIELD.slug) ?? "");
    const target: TenantLoginTarget = (await loadTenantLogin(rc, slug.trim().toLowerCase())) ?? {
      tenantId: NO_TENANT,
      slug,
      settings: { apiKeyLogin: true, oidc: null },
    };
    const user = await apiKeyLogin.finish(rc, target, forLogin);
    rc.fields.tenant_id = target.tenantId;
    const scope = grantedScopes(form.getAll(FIELD.scope).map(String), user.scopes);
    if (scope.length === 0) return errorPage("Choose at least one kind of access, or Deny.", 400);

    const approved = await oauth.approveConsent(request, user.handle, { scope });
    const props: GrantProps = { tenantId: target.tenantId, subject: user.subject, grantedAt: rc.now() };
    const { redirectTo } = await oauth.completeAuthorization({
      request: approved.request,
      userId: grantUserId(target.tenantId, user.subject),
      // Storage-visible (not encrypted): what `grant list` shows. Nothing secret.
      metadata: { tenantId: target.tenantId, subject: user.subject },
      scope,
      props,
    });
    approved.headers.set("location", redirectTo);
    return new Response(null, { status: 302, headers: approved.headers });
  } catch (err) {
    return failurePage(err, rc);
  }
}

/**
 * The scopes a grant gets: what the person ticked, within what their sign-in allows, `mcp:write` bringing `mcp:read`
 * (the scope hierarchy), in the catalogue's order.
 */
export function grantedScopes(ticked: readonly string[], allowed: readonly string[]): string[] {
  const chosen = expandScopes(ticked.filter((s) => allowed.includes(s)));
  return OAUTH_SCOPES.filter((s) => chosen.has(s as McpScope) && allowed.includes(s));
}

/**
 * What the person sees when the flow cannot go on. A request whose client and redirect URI the library validated goes
 * back to the client with the error (RFC 6749 4.1.2.1, with `iss`); anything else is shown here, never redirected.
 */
function failurePage(err: unknown, rc: RequestContext): Response {
  if (err instanceof AuthorizationError && err.redirectTo) {
    rc.log.info("authorization refused", { reason: err.description });
    return Response.redirect(err.redirectTo, 302);
  }
  if (err instanceof AuthorizationError) {
    rc.log.info("authorization refused", { reason: err.description });
    return errorPage(err.description || "This authorization request is not valid.", 400);
  }
  if (err instanceof CimdFetchError) {
    rc.log.info("client metadata document unusable", { reason: err.message });
    return errorPage("This app could not be verified: its metadata document is not usable.", 400);
  }
  if (err instanceof HttpError && err.status < 500) {
    rc.log.info("sign-in refused", { status: err.status, reason: err.internal ?? err.publicMessage });
    return errorPage(err.status === 401 ? SIGN_IN_FAILED : err.publicMessage, err.status);
  }
  throw err;
}
