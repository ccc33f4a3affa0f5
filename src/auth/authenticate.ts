import { apiKeyPrincipal, type Principal } from "./principal.ts";
import type { RequestContext } from "../context.ts";
import { HttpError, unavailable } from "../http/errors.ts";
import { bearerChallenge, INVALID_API_KEY, TENANT_SUSPENDED } from "../http/messages.ts";
import { tenantContextOf } from "../tenancy/tenant.ts";
import { missingCredentials } from "./challenge.ts";
import type { McpResource } from "../oauth/resource.ts";
import { API_KEY_PREFIX, parseApiKey, verifySecret } from "./api-key.ts";
import {
  type KeyCacheEntry,
  keyEnded,
  loadKeyRecord,
  type KeyRecord,
  type KeyStoreDeps,
  resolveKeyRecord,
} from "./key-store.ts";

// Verified against when the key id is unknown, so a miss costs the same HMAC as a wrong secret.
const DUMMY_HASH = "0".repeat(64);

/** A key that verified: who is calling (an `api_key` principal), and the record it verified against. */
export interface Verified {
  principal: Principal;
  record: KeyRecord;
}

/** The key store as a request reaches it: its Redis and Postgres, the cache TTL, cache writes after the response. */
export function keyStoreOf(rc: RequestContext): KeyStoreDeps {
  return {
    shards: rc.shards,
    sql: rc.sql,
    cacheTtlSeconds: rc.config.apiKeyCacheTtlSeconds,
    waitUntil: rc.waitUntil,
    onCacheWriteError: (err) => rc.log.warn("api key cache write failed", { error: err }),
  };
}

/** {@link verify}, for callers that need only the principal. */
export async function authenticate(request: Request, rc: RequestContext): Promise<Principal> {
  return (await verify(request, rc)).principal;
}

/**
 * Authenticates the request's bearer API key. Runs on every request (a session is never a credential). Malformed,
 * unknown, wrong-secret, expired and revoked keys, and a key used on another tenant's host name (when
 * TENANT_HOST_SUFFIX is set), all get the same 401 (RFC 6750 `WWW-Authenticate`); the reason goes to the log only. A
 * suspended tenant gets 403. Redis or Postgres down gets 503.
 *
 * `resource` is the MCP resource the request addressed (src/oauth/resource.ts), when it is one where OAuth is offered:
 * then a request without credentials is challenged towards the protected resource metadata (src/auth/challenge.ts).
 * A `tmcp_` token, well-formed or not, always gets the API-key 401, so a client configured with a key never turns to
 * OAuth.
 */
export async function verify(
  request: Request,
  rc: RequestContext,
  resource: McpResource | null = null,
  /**
   * The key's cache entry, when the caller already asked Redis for it in a command of its own (admission's warm read,
   * src/admission/warm-read.ts). Absent: read here.
   */
  cached?: Promise<KeyCacheEntry | null>,
): Promise<Verified> {
  const presented = bearerToken(request);
  if (presented === null) throw missingCredentials(resource);
  const parsed = parseApiKey(presented);
  // An access token where OAuth is offered never gets here: admission sends it to src/admission/oauth.ts first.
  if (!parsed) throw unauthorized("malformed key");
  rc.fields.key_id = parsed.keyId;

  let record: KeyRecord | null;
  try {
    record = cached
      ? await resolveKeyRecord(keyStoreOf(rc), parsed.keyId, await cached)
      : await loadKeyRecord(keyStoreOf(rc), parsed.keyId);
  } catch (err) {
    throw unavailable("api key store", err);
  }

  const secretOk = await verifySecret(rc.config.apiKeyPepper, parsed.secret, record?.secretHash ?? DUMMY_HASH);
  if (!record) throw unauthorized("unknown key id");
  if (!secretOk) throw unauthorized("wrong secret");
  const ended = keyEnded(record, rc.now());
  if (ended) throw unauthorized(`${ended} key`);
  const hostSlug = tenantSlugFromHost(request.url, rc.config.tenantHostSuffix);
  if (hostSlug !== null && hostSlug !== record.tenant.slug) {
    throw unauthorized(`key of tenant ${record.tenant.slug} presented on the host of "${hostSlug}"`);
  }

  rc.fields.tenant_id = record.tenantId;
  if (record.tenant.status !== "active") {
    throw new TenantSuspendedError(record.tenant.slug, record.tenant.status);
  }
  const t = record.tenant;
  const principal = apiKeyPrincipal(tenantContextOf(record.tenantId, t), record.keyId, record.scopes);
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

/**
 * Whether a presented token is meant as an API key: it starts with `tmcp_`, in any case (a key typed in capitals is
 * still a key, and gets the API-key answer).
 */
export function looksLikeApiKey(token: string): boolean {
  return token.slice(0, API_KEY_PREFIX.length).toLowerCase() === API_KEY_PREFIX;
}

/** The one 401 of a presented API key, whatever the reason. */
function unauthorized(reason: string): HttpError {
  return new HttpError(401, INVALID_API_KEY, {
    internal: reason,
    headers: { "www-authenticate": bearerChallenge(true) },
  });
}
