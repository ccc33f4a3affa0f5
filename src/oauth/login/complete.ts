import { AuthorizationError, CimdFetchError, type OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { expandScopes, type McpScope } from "../../auth/scopes.ts";
import type { RequestContext } from "../../context.ts";
import { HttpError } from "../../http/errors.ts";
import { grantUserId, type GrantProps } from "../grant-user.ts";
import { OAUTH_SCOPES } from "../server.ts";
import { SIGN_IN_FAILED } from "./api-key.ts";
import { errorPage } from "./html.ts";
import type { SignedInUser, TenantLoginTarget } from "./methods.ts";

/**
 * Completes a pending authorization for a person who signed in, whatever the method (the API-key form post, or the
 * OpenID Connect callback): consumes the consent handle (which must be bound to this browser by the consent helper's
 * cookie, and works once), and issues the grant for `<tenant>/<subject>` with the scopes `ticked`, at most the ones
 * the sign-in allows, recording how the person signed in. Answers with the redirect to the client (code, `state`,
 * `iss`), or a page asking for at least one scope. The library's errors are the caller's to render (see
 * {@link failurePage}).
 */
export async function completeSignIn(
  oauth: OAuthHelpers,
  rc: RequestContext,
  request: Request,
  target: TenantLoginTarget,
  user: SignedInUser,
  ticked: readonly string[],
): Promise<Response> {
  rc.fields.tenant_id = target.tenantId;
  const scope = grantedScopes(ticked, user.scopes);
  if (scope.length === 0) return errorPage("Choose at least one kind of access, or Deny.", 400);

  const approved = await oauth.approveConsent(request, user.handle, { scope });
  const props: GrantProps = {
    tenantId: target.tenantId,
    subject: user.subject,
    grantedAt: rc.now(),
    login: user.login,
  };
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
 * back to the client with the error (RFC 6749 4.1.2.1, with `iss`); anything else is shown here, never redirected. A
 * refused sign-in (401) always reads {@link SIGN_IN_FAILED}. Faults (5xx) go on to the app's error boundary.
 */
export function failurePage(err: unknown, rc: RequestContext): Response {
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
