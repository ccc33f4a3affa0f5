import { authenticate, bearerToken, type Principal } from "../auth/authenticate.ts";
import { forget, recall, remember } from "../auth/recall.ts";
import type { RequestContext } from "../context.ts";
import { enforceRateLimit, type RateLimitOutcome } from "../ratelimit/limiter.ts";
import { SessionStore, type SessionRecord } from "../session/store.ts";

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
}

/**
 * Authenticates the request and prepares its rate-limit gate, in as few sequential Redis round trips as
 * correctness allows.
 *
 * Cold (first request with this key in this isolate): the key lookup, then the rate limit and session lookup side
 * by side: two round trips. Warm: the isolate remembers which tenant the exact presented key belonged to
 * ({@link recall}), so the rate limit and the session lookup are issued in the same tick as the key lookup and the
 * Upstash client's auto-pipelining sends them together: one round trip. The key is still verified against the
 * record just read; if it fails, the early work is discarded (it spent one unit of the tenant's own budget, which
 * only a holder of that tenant's full key can cause). If the tenant's limit changed since it was remembered, the
 * limiter runs again with the new limit, so the changed limit applies to this very request (counting it twice,
 * once per change per isolate).
 */
export async function admit(
  request: Request,
  rc: RequestContext,
  headers: ResponseHeaders,
  sessionId: string | null,
): Promise<Admission> {
  const token = bearerToken(request);
  const guess = token === null ? undefined : recall(token);
  const authenticating = authenticate(request, rc);

  let early: { limit: Promise<RateLimitOutcome>; session?: Promise<SessionRecord | null> } | undefined;
  if (guess) {
    const store = new SessionStore(rc.redis, rc.config, rc.now);
    early = {
      limit: enforceRateLimit({ id: guess.tenantId, rateLimitPerMinute: guess.rateLimitPerMinute }, rc),
      ...(sessionId ? { session: store.touch(guess.tenantId, sessionId) } : {}),
    };
    // Settled later, or never when authentication fails: never an unhandled rejection.
    early.limit.catch(() => {});
    early.session?.catch(() => {});
  }

  let principal: Principal;
  try {
    principal = await authenticating;
  } catch (err) {
    if (token !== null) forget(token);
    throw err;
  }
  if (token !== null) remember(token, principal);

  const sameTenant = early !== undefined && guess?.tenantId === principal.tenant.id;
  const sameLimit = sameTenant && guess?.rateLimitPerMinute === principal.tenant.rateLimitPerMinute;
  const limit = sameLimit ? early!.limit : undefined;
  return {
    principal,
    gate: async () => {
      Object.assign(headers, (await (limit ?? enforceRateLimit(principal.tenant, rc))).headers);
    },
    ...(sameTenant && early?.session ? { session: early.session } : {}),
  };
}
