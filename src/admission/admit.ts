import { verify } from "../auth/authenticate.ts";
import { presentedKey, throttleUnrememberedKey } from "../auth/attempt-throttle.ts";
import { keyCacheKey } from "../redis/keys.ts";
import { forget, remember } from "../auth/recall.ts";
import type { RequestContext } from "../context.ts";
import { enforceRateLimit, enforceRateLimitIfKeyLive, type RateLimitOutcome } from "../ratelimit/limiter.ts";
import type { SessionRecord } from "../session/store.ts";
import type { KeyCacheEntry } from "../auth/key-store.ts";
import { startWarmRead } from "./warm-read.ts";
import type { Principal } from "../auth/principal.ts";
import type { McpResource } from "../oauth/resource.ts";
import { bearerToken, looksLikeApiKey } from "../auth/authenticate.ts";
import { refundQuota, startQuotaCount, type QuotaCount } from "../quota/meter.ts";
import { passGate } from "./gate.ts";
import { admitOAuth } from "./oauth.ts";

/** Headers a stage wants on the final response, whatever it is (rate-limit counters). */
export type ResponseHeaders = Record<string, string>;

/** The stage that must pass before any MCP work: the tenant's rate limit. */
export type Gate = () => Promise<void>;

/** An authenticated request, ready for its lane. */
export interface Admission {
  principal: Principal;
  /** Counts the request against its tenant's limit; throws 429 (or 503 when failing closed). */
  gate: Gate;
  /** The session lookup (GETEX) already under way for `sessionId`, when one could be started early. */
  session?: Promise<SessionRecord | null>;
  /**
   * Gives back the request's unit of the monthly quota, when it counted one: for a request refused after admission
   * (scopes, an unknown session, an error answer), so the count is of calls served. Idempotent.
   */
  refund(): void;
}

/**
 * Admits an API-key request: authenticates it into a {@link Principal} and prepares its rate-limit gate, in as few sequential Redis round trips as
 * correctness allows.
 *
 * Cold (first request with this key in this isolate): the key lookup, then the rate limit and session lookup side
 * by side: two round trips. Warm: the isolate remembers which tenant the exact presented key belonged to
 * ({@link recall}), so everything goes out in one tick as two Upstash commands, which the client's auto-pipelining
 * sends together (one round trip): the warm read ({@link startWarmRead}: key entry, session touch, monthly count,
 * held audit rows, one script) and the rate limit. The early count runs in one Redis script with
 * a check of the key's cache entry, so it spends a unit only while the entry still shows the key as it verified: a
 * key revoked, expired, rotated past its grace or invalidated since costs its tenant nothing, however many requests
 * with it are in flight (and a key past its own dates is not recalled at all). When the check fails, nothing was
 * counted, and the limiter runs after verification as on a cold request. The key is still verified against the
 * record just read; if it fails, the early work is discarded. If the tenant's limit changed since it was remembered,
 * the limiter runs again with the new limit, so the changed limit applies to this very request (counting it twice,
 * once per change per isolate).
 */
export async function admit(
  request: Request,
  rc: RequestContext,
  headers: ResponseHeaders,
  sessionId: string | null,
  /** The MCP resource the request addressed, when OAuth is offered on its host: it shapes the 401 challenges. */
  resource: McpResource | null = null,
  /** Whether the request counts against the tenant's monthly quota (a `tools/call`). Default false. */
  metered = false,
): Promise<Admission> {
  // An OAuth token (any bearer that is not meant as an API key) where the host offers OAuth; elsewhere the API-key
  // path answers it as it always did.
  const bearer = bearerToken(request);
  if (bearer !== null && resource !== null && !looksLikeApiKey(bearer))
    return admitOAuth(rc, headers, sessionId, bearer, resource, metered);
  const presented = presentedKey(request, rc.now());
  const { token, keyId, remembered: guess } = presented;
  // A key the isolate does not remember is counted per client address before any store work (429 when over); a
  // remembered one skips the throttle, so the warm path stays one Redis round trip with nothing in front of it.
  await throttleUnrememberedKey(request, rc, presented);

  let early:
    | { limit: Promise<RateLimitOutcome | null>; quota: QuotaCount; session?: Promise<SessionRecord | null> }
    | undefined;
  let cachedEntry: Promise<KeyCacheEntry | null> | undefined;
  if (guess && keyId !== null) {
    // Two commands in one tick, so one pipelined round trip: the warm read (key entry, session, quota count, held
    // audit rows) and the rate limit's live-key script.
    const read = startWarmRead(rc, [keyCacheKey(keyId)], guess.tenantId, sessionId, metered);
    cachedEntry = read.entries.then(([entry]) => (entry ?? null) as KeyCacheEntry | null);
    cachedEntry.catch(() => {});
    early = {
      limit: enforceRateLimitIfKeyLive({ id: guess.tenantId, rateLimitPerMinute: guess.rateLimitPerMinute }, rc, {
        cacheKey: keyCacheKey(keyId),
        fingerprint: guess.fingerprint,
      }),
      quota: read.quota,
      ...(read.session ? { session: read.session } : {}),
    };
    // Settled later, or never when authentication fails: never an unhandled rejection.
    early.limit.catch(() => {});
  }
  const authenticating = verify(request, rc, resource, cachedEntry);

  let principal: Principal;
  try {
    const verified = await authenticating;
    principal = verified.principal;
    if (token !== null) remember(token, verified);
  } catch (err) {
    if (token !== null) forget(token);
    if (early) refundQuota(rc, early.quota);
    throw err;
  }

  const sameTenant = early !== undefined && guess?.tenantId === principal.tenant.id;
  const sameLimit = sameTenant && guess?.rateLimitPerMinute === principal.tenant.rateLimitPerMinute;
  const limit = sameLimit ? early!.limit : undefined;
  // Counted for another tenant than the key's (a remembered guess gone stale): give it back and count for this one.
  if (early && !sameTenant) refundQuota(rc, early.quota);
  let quota = sameTenant ? early!.quota : undefined;
  return {
    principal,
    refund: () => {
      if (quota) refundQuota(rc, quota);
    },
    gate: () => {
      quota ??= startQuotaCount(rc, principal.tenant.id, metered);
      // `null`: the early count found the key's cache entry changed and counted nothing; count now, verified.
      const rateLimit = async (): Promise<RateLimitOutcome> =>
        (await limit) ?? (await enforceRateLimit(principal.tenant, rc));
      return passGate(rc, headers, principal.tenant, rateLimit, quota);
    },
    ...(sameTenant && early?.session ? { session: early.session } : {}),
  };
}
