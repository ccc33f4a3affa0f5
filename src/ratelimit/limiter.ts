import { Ratelimit, type RatelimitConfig } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../config.ts";
import type { Logger } from "../log/logger.ts";
import { HttpError } from "../http/errors.ts";
import { RATE_LIMIT_PREFIX } from "../redis/keys.ts";
import type { TenantShards } from "../redis/shards.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import { liveKeyWindow, type LiveKeyCheck } from "./live-key-window.ts";

export type { LiveKeyCheck } from "./live-key-window.ts";

const WINDOW = "60 s";
const WINDOW_MS = 60_000;

/** The outcome of a rate-limit check, as response headers (IETF draft "RateLimit header fields"). */
export interface RateLimitOutcome {
  headers: Record<string, string>;
}

/** What {@link enforceRateLimit} needs. */
export interface RateLimitDeps {
  /** The counters live on the tenant's shard. */
  shards: TenantShards<Redis>;
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
  return (await count(tenant, deps, Ratelimit.slidingWindow(tenant.rateLimitPerMinute, WINDOW))) as RateLimitOutcome;
}

/**
 * {@link enforceRateLimit} for a key that is not verified yet, in the same Redis script as a check of its cache entry
 * ({@link LiveKeyCheck}): counts only while the entry still shows the key as it last verified. `null` when it did
 * not: nothing was counted, and the caller counts with {@link enforceRateLimit} once the key has verified. This lets
 * admission count before verification without letting a key that stopped being valid spend its tenant's budget.
 */
export async function enforceRateLimitIfKeyLive(
  tenant: Pick<TenantContext, "id" | "rateLimitPerMinute">,
  deps: RateLimitDeps,
  key: LiveKeyCheck,
): Promise<RateLimitOutcome | null> {
  let live = true;
  const algorithm = liveKeyWindow(tenant.rateLimitPerMinute, WINDOW_MS, key, () => {
    live = false;
  });
  const outcome = await count(tenant, deps, algorithm, () => live);
  return live ? outcome : null;
}

async function count(
  tenant: Pick<TenantContext, "id" | "rateLimitPerMinute">,
  deps: RateLimitDeps,
  algorithm: RatelimitConfig["limiter"],
  live: () => boolean = () => true,
): Promise<RateLimitOutcome | null> {
  const limit = tenant.rateLimitPerMinute;
  // Built per request because the limit is per tenant; construction does no I/O. The ephemeral cache is off: it
  // would keep tenant state in isolate memory, and it makes counts differ between isolates.
  const limiter = new Ratelimit({
    redis: deps.shards.forTenant(tenant.id),
    limiter: algorithm,
    // Counters land in `tmcp:rl:<tenantId>:<window>` (see rateLimitBase / rateLimitWindowKey).
    prefix: RATE_LIMIT_PREFIX,
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
  if (result.reason === "timeout")
    return degraded(deps, limit, new Error(`no answer within ${deps.config.rateLimitTimeoutMs} ms`));
  if (!live()) return null;

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
