import { apiKeyPrincipal, type Principal } from "./principal.ts";
import type { RequestContext } from "../context.ts";
import { HttpError, unavailable } from "../http/errors.ts";
import { bearerChallenge, INVALID_API_KEY, TENANT_SUSPENDED } from "../http/messages.ts";
import { effectiveFeatures } from "../tenancy/tenant.ts";
import { parseApiKey, verifySecret } from "./api-key.ts";
import { loadKeyRecord, type KeyRecord } from "./key-store.ts";

// Verified against when the key id is unknown, so a miss costs the same HMAC as a wrong secret.
const DUMMY_HASH = "0".repeat(64);

/** A key that verified: who is calling (an `api_key` principal), and the record it verified against. */
export interface Verified {
  principal: Principal;
  record: KeyRecord;
}

/** {@link verify}, for callers that need only the principal. */
export async function authenticate(request: Request, rc: RequestContext): Promise<Principal> {
  return (await verify(request, rc)).principal;
}

/**
 * Authenticates the request's bearer API key. Runs on every request (a session is never a credential). Missing,
 * malformed, unknown, wrong-secret, expired and revoked keys, and a key used on another tenant's host name (when
 * TENANT_HOST_SUFFIX is set), all get the same 401 (RFC 6750 `WWW-Authenticate`); the reason goes to the log only. A suspended tenant gets 403. Redis or Postgres down gets 503.
 */
export async function verify(request: Request, rc: RequestContext): Promise<Verified> {
  const presented = bearerToken(request);
  const parsed = presented === null ? null : parseApiKey(presented);
  if (!parsed) throw unauthorized(presented === null ? "no bearer token" : "malformed key", presented !== null);
  rc.fields.key_id = parsed.keyId;

  let record: KeyRecord | null;
  try {
    record = await loadKeyRecord(
      {
        redis: rc.redis,
        sql: rc.sql,
        cacheTtlSeconds: rc.config.apiKeyCacheTtlSeconds,
        waitUntil: rc.waitUntil,
        onCacheWriteError: (err) => rc.log.warn("api key cache write failed", { error: err }),
      },
      parsed.keyId,
    );
  } catch (err) {
    throw unavailable("api key store", err);
  }

  const secretOk = await verifySecret(rc.config.apiKeyPepper, parsed.secret, record?.secretHash ?? DUMMY_HASH);
  if (!record) throw unauthorized("unknown key id");
  if (!secretOk) throw unauthorized("wrong secret");
  if (record.revokedAt !== null && record.revokedAt <= rc.now()) throw unauthorized("revoked key");
  if (record.expiresAt !== null && record.expiresAt <= rc.now()) throw unauthorized("expired key");
  const hostSlug = tenantSlugFromHost(request.url, rc.config.tenantHostSuffix);
  if (hostSlug !== null && hostSlug !== record.tenant.slug) {
    throw unauthorized(`key of tenant ${record.tenant.slug} presented on the host of "${hostSlug}"`);
  }

  rc.fields.tenant_id = record.tenantId;
  if (record.tenant.status !== "active") {
    throw new TenantSuspendedError(record.tenant.slug, record.tenant.status);
  }
  const t = record.tenant;
  const principal = apiKeyPrincipal(
    {
      id: record.tenantId,
      slug: t.slug,
      name: t.name,
      plan: t.plan,
      features: effectiveFeatures(t.plan, t.featuresAdd, t.featuresRemove),
      rateLimitPerMinute: t.rateLimitPerMinute,
      status: t.status,
      config: t.config,
    },
    record.keyId,
    record.scopes,
  );
  return { principal, record };
}

/**
 * The tenant a host name belongs to, when `suffix` (TENANT_HOST_SUFFIX, e.g. `mcp.example.com`) is set and the host is
 * `<slug>.<suffix>`; `null` when the feature is off or the host is not under the suffix. A deeper host (`a.b.<suffix>`)
 * yields `a.b`, which no slug can equal, so it only ever rejects.
 */
export function tenantSlugFromHost(url: string, suffix: string | undefined): string | null {
  const base = (suffix ?? "")
    .trim()
    .replace(/^\.+|\.+$/g, "")
    .toLowerCase();
  if (!base) return null;
  const host = new URL(url).hostname.toLowerCase().replace(/\.$/, "");
  if (!host.endsWith(`.${base}`)) return null;
  return host.slice(0, -(base.length + 1));
}

/** The bearer token of the Authorization header (RFC 6750 section 2.1), or `null`. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? (m[1] as string) : null;
}

/**
 * 403 for a valid key whose tenant is not active. Only the holder of that tenant's full key can get it, so it may name
 * the tenant (`GET /healthz/tenant` reports it); the response body does not.
 */
export class TenantSuspendedError extends HttpError {
  readonly tenantSlug: string;

  constructor(slug: string, status: string) {
    super(403, TENANT_SUSPENDED, { internal: `tenant ${slug} is ${status}` });
    this.tenantSlug = slug;
  }
}

/** The one 401, whatever the reason; only a request that carried no bearer token gets a challenge without an error. */
function unauthorized(reason: string, tokenPresented = true): HttpError {
  return new HttpError(401, INVALID_API_KEY, {
    internal: reason,
    headers: { "www-authenticate": bearerChallenge(tokenPresented) },
  });
}
