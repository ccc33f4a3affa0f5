import type { ValidatedAccessToken } from "@cloudflare/workers-oauth-provider";
import { TenantSuspendedError } from "../auth/authenticate.ts";
import type { Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { unavailable } from "../http/errors.ts";
import { invalidOAuthToken } from "../oauth/challenge.ts";
import { claimOf, type GrantProps } from "../oauth/grant-user.ts";
import type { McpResource } from "../oauth/resource.ts";
import { authorizationServerFor } from "../oauth/server.ts";
import { resolveTenant, tenantContextOf, type TenantCacheEntry } from "../oauth/tenant-cache.ts";
import { enforceRateLimit } from "../ratelimit/limiter.ts";
import { revokedGrantKey, revokedUserKey, tenantCacheKey } from "../redis/keys.ts";
import { SessionStore } from "../session/store.ts";
import type { Admission, ResponseHeaders } from "./admit.ts";

/**
 * Admits a request with an OAuth access token of this Worker's authorization server, for the MCP resource of the host
 * it came to. The token names its tenant, subject and grant (src/oauth/grant-user.ts), so the Redis work starts in
 * the same tick as the token's validation and travels as one pipelined request: the tenant's cached record, the
 * revocation markers of the grant and of the user, and the session lookup when the request names one. Nothing read
 * there is trusted until the token validated (the library finds it in KV, checks its expiry and that its audience
 * is exactly this resource) and its encrypted grant props confirm the tenant and subject it claimed.
 *
 * Refused with one `invalid_token` answer (the reason to the log): a token that is not ours, unknown, expired, for
 * another resource or host, of a revoked grant or user, or of a tenant that is gone. A suspended tenant gets 403.
 */
export async function admitOAuth(
  rc: RequestContext,
  headers: ResponseHeaders,
  sessionId: string | null,
  token: string,
  resource: McpResource,
): Promise<Admission> {
  const claim = claimOf(token);
  if (!claim) throw invalidOAuthToken(resource, "bearer token is neither an API key nor a token of this server");

  const validating = validate(rc, resource, token);
  const store = new SessionStore(rc.redis, rc.config, rc.now);
  // Issued in one tick: the Upstash client sends them as one pipelined HTTP request.
  const reading = Promise.all([
    rc.redis.get<TenantCacheEntry>(tenantCacheKey(claim.tenantId)),
    rc.redis.mget<(string | number | null)[]>(
      revokedGrantKey(claim.grantId),
      revokedUserKey(claim.tenantId, claim.subject),
    ),
  ]);
  const session = sessionId ? store.touch(claim.tenantId, sessionId) : undefined;
  reading.catch(() => {});
  session?.catch(() => {});

  const validated = await validating;
  if (!validated) throw invalidOAuthToken(resource, "unknown or expired token, or one for another resource");
  const props = validated.props;
  if (props?.tenantId !== claim.tenantId || props.subject !== claim.subject) {
    throw invalidOAuthToken(resource, "token's grant does not match the tenant and subject it names");
  }
  rc.fields.grant_id = claim.grantId;
  rc.fields.subject = claim.subject;

  let cached: TenantCacheEntry | null;
  let markers: (string | number | null)[];
  try {
    [cached, markers] = await reading;
  } catch (err) {
    throw unavailable("oauth admission state", err);
  }
  const [grantRevoked, userRevokedAt] = markers;
  if (grantRevoked !== null && grantRevoked !== undefined) throw invalidOAuthToken(resource, "grant revoked");
  if (userRevokedAt !== null && userRevokedAt !== undefined && Number(userRevokedAt) >= props.grantedAt) {
    throw invalidOAuthToken(resource, "every grant of the user revoked");
  }

  let record: Awaited<ReturnType<typeof resolveTenant>>;
  try {
    record = await resolveTenant(rc, claim.tenantId, cached);
  } catch (err) {
    throw unavailable("tenant store", err);
  }
  if (!record) throw invalidOAuthToken(resource, "tenant no longer exists");
  if (resource.tenantSlug !== undefined && resource.tenantSlug !== record.slug) {
    throw invalidOAuthToken(resource, `token of tenant ${record.slug} presented on the host of ${resource.tenantSlug}`);
  }
  rc.fields.tenant_id = claim.tenantId;
  if (record.status !== "active") throw new TenantSuspendedError(record.slug, record.status);

  const principal: Principal = {
    tenant: tenantContextOf(claim.tenantId, record),
    credential: { kind: "oauth_grant", id: claim.grantId, clientId: validated.clientId },
    scopes: Object.freeze([...validated.scope]),
    subject: claim.subject,
  };
  return {
    principal,
    gate: async () => {
      Object.assign(headers, (await enforceRateLimit(principal.tenant, rc)).headers);
    },
    ...(session ? { session } : {}),
  };
}

/**
 * The token's validation by the authorization server of this host: for the MCP resource, or for the origin (the
 * audience the root protected resource metadata names). Storage failures are 503, never a 401 that would send the
 * client through sign-in again.
 */
async function validate(
  rc: RequestContext,
  resource: McpResource,
  token: string,
): Promise<ValidatedAccessToken<GrantProps> | null> {
  const server = authorizationServerFor(resource, rc.config);
  // The library reads nothing of the environment here but its storage.
  const env = { OAUTH_KV: rc.oauthKv } as Env;
  try {
    return (
      (await server.validateToken<GrantProps>(resource.resource, token, env)) ??
      (await server.validateToken<GrantProps>(resource.origin, token, env))
    );
  } catch (err) {
    throw unavailable("oauth token store", err);
  }
}
