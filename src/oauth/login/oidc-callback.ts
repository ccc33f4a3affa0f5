import type { RequestContext } from "../../context.ts";
import { HttpError } from "../../http/errors.ts";
import type { McpResource } from "../resource.ts";
import { authorizationServerFor } from "../server.ts";
import { completeSignIn, failurePage } from "./complete.ts";
import { oidcLogin, START_AGAIN } from "./oidc.ts";
import { loadTenantLogin } from "./settings.ts";

/**
 * The tenant's OpenID Connect provider sends the person back here (`/oauth/oidc/<slug>/callback`, see redirect.ts).
 * The tenant comes from the path and must be the host's on a tenant host; the sign-in is finished (the pending
 * sign-in is found once, under this tenant, and must have been started in this browser; the code is exchanged and
 * the ID token verified), then the pending authorization completes exactly as after an API-key sign-in, with the
 * scopes the person ticked before leaving (kept with the pending sign-in, never read from this request).
 *
 * An unknown tenant, a tenant without OpenID Connect, a tenant host that is not the path's, and an unknown, used or
 * foreign `state` all get the same page: a callback tells nothing about which tenants exist or how they sign in.
 */
export async function oidcCallback(
  request: Request,
  rc: RequestContext,
  resource: McpResource,
  env: Env,
  slug: string,
): Promise<Response> {
  try {
    if (resource.tenantSlug !== undefined && resource.tenantSlug !== slug) {
      throw startAgain(`callback of tenant "${slug}" on the host of "${resource.tenantSlug}"`);
    }
    const target = await loadTenantLogin(rc, slug);
    if (!target?.settings.oidc) throw startAgain(`callback of tenant "${slug}", which has no OpenID Connect sign-in`);
    rc.fields.tenant_id = target.tenantId;
    const user = await oidcLogin({ origin: resource.origin }).finish(rc, target, request);
    rc.fields.subject = user.subject;
    const oauth = authorizationServerFor(resource, rc.config).getOAuthApi(env);
    return await completeSignIn(oauth, rc, request, target, user, user.chosenScopes ?? []);
  } catch (err) {
    return failurePage(err, rc);
  }
}

function startAgain(internal: string): HttpError {
  return new HttpError(400, START_AGAIN, { internal });
}
