import type { ValidatedAccessToken } from "@cloudflare/workers-oauth-provider";
import { keyStoreOf, TenantSuspendedError } from "../auth/authenticate.ts";
import { keyEnded, resolveKeyRecord, type KeyCacheEntry, type KeyRecord } from "../auth/key-store.ts";
import type { Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { unavailable } from "../http/errors.ts";
import { invalidOAuthToken } from "../auth/challenge.ts";
import { claimOf, loginOfGrant, loginOfSubject, type GrantLogin, type GrantProps } from "../oauth/grant-user.ts";
import type { McpResource } from "../oauth/resource.ts";
import { type OAuthTenantRecord, resolveTenant, type TenantCacheEntry } from "../oauth/tenant-cache.ts";
import { enforceRateLimit } from "../ratelimit/limiter.ts";
import { keyCacheKey, revokedGrantKey, revokedUserKey, tenantCacheKey } from "../redis/keys.ts";
import { tenantContextOf } from "../tenancy/tenant.ts";
import { refundQuota, startQuotaCount, type QuotaCount } from "../quota/meter.ts";
import { startWarmRead, type WarmRead } from "./warm-read.ts";
import type { Admission, ResponseHeaders } from "./admit.ts";
import { passGate } from "./gate.ts";
import { lazyModule } from "../lazy.ts";

// The OAuth library loads with the first OAuth token an isolate sees: API-key requests never evaluate it.
const loadAuthorizationServer = lazyModule(() => import("../oauth/server.ts"));

/**
 * Admits a request with an OAuth access token of this Worker's authorization server, for the MCP resource of the host
 * it came to. The token names its tenant, subject and grant (src/oauth/grant-user.ts), so the Redis work starts in
 * the same tick as the token's validation and is one Upstash command (the warm read, src/admission/warm-read.ts):
 * the tenant's cached record (with its login switches), the revocation markers of the grant and of the user, the
 * cached lookup of the API key the person signed in with (when the subject names one), the session lookup when the
 * request names one, and the tenant's monthly count as it stands. Nothing read
 * there is trusted until the token validated (the library finds it in KV, checks its expiry and that its audience
 * is exactly this resource) and its encrypted grant props confirm the tenant and subject it claimed.
 *
 * Refused with one `invalid_token` answer (the reason to the log): a token that is not ours, unknown, expired, for
 * another resource or host, of a revoked grant or user, of a tenant that is gone, signed in with a method the tenant
 * has switched off since, or with an API key that is now revoked, past its rotation grace period or expired. A
 * suspended tenant gets 403.
 */
export async function admitOAuth(
  rc: RequestContext,
  headers: ResponseHeaders,
  sessionId: string | null,
  token: string,
  resource: McpResource,
  /** Whether the request counts against the tenant's monthly quota (a `tools/call`). */
  metered: boolean,
): Promise<Admission> {
  const claim = claimOf(token);
  if (!claim) throw invalidOAuthToken(resource, "bearer token is neither an API key nor a token of this server");

  const validating = validate(rc, resource, token);
  // The key a grant was signed in with is in its subject (`key:<key id>`), so its cached lookup joins the same
  // command. Checking the key's own record, rather than a marker the control plane would set, covers every way a key
  // ends (revocation, the end of a rotation's grace period, expiry), not only those with a command behind them; and
  // its cache is already invalidated on every change to the key.
  const claimed = loginOfSubject(claim.subject);
  const keyId = claimed?.method === "api_key" ? claimed.keyId : null;
  // One command (the warm read, src/admission/warm-read.ts): the tenant's record, both revocation markers, the sign-in
  // key's entry, the session and the monthly count as it stands. Read, never counted here: the tenant is only what
  // the token claims until it validates, and a forged token must not move a tenant's count, even for a moment.
  const read = startWarmRead(
    rc,
    [
      tenantCacheKey(claim.tenantId),
      revokedGrantKey(claim.grantId),
      revokedUserKey(claim.tenantId, claim.subject),
      ...(keyId ? [keyCacheKey(keyId)] : []),
    ],
    claim.tenantId,
    sessionId,
    false,
  );
  return admitValidated(rc, headers, resource, claim, keyId, validating, read, metered);
}

/** The rest of {@link admitOAuth}, once the warm read is under way. */
async function admitValidated(
  rc: RequestContext,
  headers: ResponseHeaders,
  resource: McpResource,
  claim: NonNullable<ReturnType<typeof claimOf>>,
  keyId: string | null,
  validating: Promise<ValidatedAccessToken<GrantProps> | null>,
  read: WarmRead,
  metered: boolean,
): Promise<Admission> {
  const { session } = read;
  const validated = await validating;
  if (!validated) throw invalidOAuthToken(resource, "unknown or expired token, or one for another resource");
  const props = validated.props;
  if (props?.tenantId !== claim.tenantId || props.subject !== claim.subject) {
    throw invalidOAuthToken(resource, "token's grant does not match the tenant and subject it names");
  }
  rc.fields.grant_id = claim.grantId;
  rc.fields.subject = claim.subject;

  const login = loginOfGrant(props);
  if (!login) throw invalidOAuthToken(resource, "grant records no sign-in method");
  if (login.method === "api_key" && login.keyId !== keyId) {
    throw invalidOAuthToken(resource, "grant's key is not the one its subject names");
  }

  let cached: TenantCacheEntry | null;
  let grantRevoked: unknown;
  let userRevokedAt: unknown;
  let cachedKey: KeyCacheEntry | null;
  try {
    const entries = await read.entries;
    cached = (entries[0] ?? null) as TenantCacheEntry | null;
    [, grantRevoked, userRevokedAt] = entries;
    cachedKey = keyId ? ((entries[3] ?? null) as KeyCacheEntry | null) : null;
  } catch (err) {
    throw unavailable("oauth admission state", err);
  }
  if (grantRevoked !== null && grantRevoked !== undefined) throw invalidOAuthToken(resource, "grant revoked");
  if (userRevokedAt !== null && userRevokedAt !== undefined && Number(userRevokedAt) >= props.grantedAt) {
    throw invalidOAuthToken(resource, "every grant of the user revoked");
  }

  let record: OAuthTenantRecord | null;
  let key: KeyRecord | null;
  try {
    // On a cache miss each is one Postgres query, and they run side by side.
    [record, key] = await Promise.all([
      resolveTenant(rc, claim.tenantId, cached),
      keyId ? resolveKeyRecord(keyStoreOf(rc), keyId, cachedKey) : null,
    ]);
  } catch (err) {
    throw unavailable("tenant store", err);
  }
  if (!record) throw invalidOAuthToken(resource, "tenant no longer exists");
  if (resource.tenantSlug !== undefined && resource.tenantSlug !== record.slug) {
    throw invalidOAuthToken(resource, `token of tenant ${record.slug} presented on the host of ${resource.tenantSlug}`);
  }
  const ended = signInEnded(rc, login, record, key, claim.tenantId);
  if (ended) throw invalidOAuthToken(resource, ended);
  rc.fields.tenant_id = claim.tenantId;
  if (record.status !== "active") throw new TenantSuspendedError(record.slug, record.status);

  let quota: QuotaCount | undefined;
  const principal: Principal = {
    tenant: tenantContextOf(claim.tenantId, record),
    credential: { kind: "oauth_grant", id: claim.grantId, clientId: validated.clientId },
    scopes: Object.freeze([...validated.scope]),
    subject: claim.subject,
  };
  return {
    principal,
    refund: () => {
      if (quota) refundQuota(rc, quota);
    },
    // A `tools/call` is counted now, beside the rate limit (one script each, one round trip); any other request uses
    // the count the warm read brought.
    gate: () => {
      quota ??= metered ? startQuotaCount(rc, principal.tenant.id, true) : read.quota;
      return passGate(rc, headers, principal.tenant, () => enforceRateLimit(principal.tenant, rc), quota);
    },
    ...(session ? { session } : {}),
  };
}

/**
 * Why a grant no longer stands for its sign-in, or null when it does: the tenant switched the method off, or the API
 * key it was signed in with is gone, revoked (a rotated key once its grace period is over), expired, or another
 * tenant's.
 */
function signInEnded(
  rc: RequestContext,
  login: GrantLogin,
  tenant: OAuthTenantRecord,
  key: KeyRecord | null,
  tenantId: string,
): string | null {
  if (login.method === "oidc") return tenant.login.oidc ? null : "OpenID Connect sign-in switched off for the tenant";
  if (!tenant.login.apiKey) return "API-key sign-in switched off for the tenant";
  if (!key || key.tenantId !== tenantId) return `key ${login.keyId} of the sign-in no longer exists`;
  const ended = keyEnded(key, rc.now());
  return ended ? `key ${login.keyId} of the sign-in is ${ended}` : null;
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
  const { authorizationServerFor } = await loadAuthorizationServer();
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
