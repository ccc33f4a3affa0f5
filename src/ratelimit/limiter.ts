import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../config.ts";
import type { Logger } from "../log/logger.ts";
import { HttpError } from "../http/errors.ts";
import type { TenantContext } from "../tenancy/tenant.ts";

/** The outcome of a rate-limit check, as response headers (IETF draft "RateLimit header fields"). */
export interface RateLimitOutcome {
  headers: Record<string, string>;
}

/** What {@link enforceRateLimit} needs. */
export interface RateLimitDeps {
  redis: Redis;
  config: Pick<Config, "rateLimitOnError" | "rateLimitTimeoutMs">;
  log: Logger;
  now(): number;
}

/**
 * Counts the request against its tenant's sliding window (one minute, limit from the tenant's context). Over the
 * limit: 429 with `Retry-After`. Every tenant has its own key, so one tenant at its limit never touches another's
 * counter. When Redis errors or takes longer than `rateLimitTimeoutMs`, `rateLimitOnError` decides: "open" lets the
 * request through with a warning, "closed" answers 503.
 */
export async function enforceRateLimit(
  tenant: Pick<TenantContext, "id" | "rateLimitPerMinute">,
  deps: RateLimitDeps,
): Promise<RateLimitOutcome> {
  const limit = tenant.rateLimitPerMinute;
  // Built per request because the limit is per tenant; construction does no I/O. The ephemeral cache is off: it
  // would keep tenant state in isolate memory, and it makes counts differ between isolates.
  const limiter = new Ratelimit({
    redis: deps.redis,
    limiter: Ratelimit.slidingWindow(limit, "60 s"),
    prefix: "tmcp:rl",
    ephemeralCache: false,
    analytics: false,
    timeout: deps.config.rateLimitTimeoutMs,
  });
  let result: Awaited<ReturnType<Ratelimit["limit"]>>;
  try {
    result = await limiter.limit(tenant.id);
  } catch (err) {
    return degraded(deps, limit, err);
  }
  if (result.reason === "timeout") return degraded(deps, limit, new Error(`no answer within ${deps.config.rateLimitTimeoutMs} ms`));

  const resetSeconds = Math.max(0, Math.ceil((result.reset - deps.now()) / 1000));
  const headers = {
    "ratelimit-limit": String(result.limit),
    "ratelimit-remaining": String(Math.max(0, result.remaining)),
    "ratelimit-reset": String(resetSeconds),
  };
  if (!result.success) {
    throw new HttpError(429, "Rate limit exceeded", {
      headers: { ...headers, "retry-after": String(Math.max(1, resetSeconds)) },
      internal: `tenant ${tenant.id} over ${limit}/min`,
    });
  }
  return { headers };
}

function degraded(deps: RateLimitDeps, limit: number, err: unknown): RateLimitOutcome {
  if (deps.config.rateLimitOnError === "closed") {
    throw new HttpError(503, "Service temporarily unavailable", {
      headers: { "retry-after": "2" },
      internal: `rate limiter unavailable, failing closed: ${String(err)}`,
      cause: err,
    });
  }
  deps.log.warn("rate limiter unavailable, failing open", { error: err instanceof Error ? err : String(err) });
  return { headers: { "ratelimit-limit": String(limit) } };
}
