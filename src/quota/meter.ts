import type { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../config.ts";
import { HttpError } from "../http/errors.ts";
import type { Logger } from "../log/logger.ts";
import { quotaKey } from "../redis/keys.ts";
import type { TenantShards } from "../redis/shards.ts";
import { runKnownScript, type LuaScript } from "../redis/script.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import { quotaMonth, type QuotaMonth } from "./month.ts";
import { monthlyQuotaOf } from "./plans.ts";

/** How long a month's counter is kept after its last call: past the month's end, so a count is never cut short. */
export const COUNTER_TTL_SECONDS = 40 * 24 * 3600;

/** Counts one call in KEYS[1] and keeps the counter ARGV[1] seconds. Returns the count. */
export const COUNT: LuaScript = {
  source: `
local n = redis.call("INCR", KEYS[1])
redis.call("EXPIRE", KEYS[1], tonumber(ARGV[1]))
return n
`,
};

/** SHA-1 of {@link COUNT}'s source, so EVALSHA goes out in the issuing tick (a unit test checks it). */
export const COUNT_SHA = "f20bba3b6f069f0d9b5685bd81dda4ce502d3c89";

/** Share of the quota from which responses carry the warning header. */
const WARN_AT = 0.8;

/** What metering needs from the request context. */
export interface MeterDeps {
  /** The counter lives on the tenant's shard. */
  shards: TenantShards<Pick<Redis, "eval" | "evalsha" | "decr" | "get">>;
  config: Pick<Config, "rateLimitOnError">;
  log: Pick<Logger, "warn">;
  waitUntil(promise: Promise<unknown>): void;
  now(): number;
}

/**
 * One request's place in its tenant's monthly count, started with the rest of admission's Redis work so it travels in
 * the same round trip (the Upstash client pipelines commands issued in one tick). A `tools/call` (metered) counts
 * itself (INCR); any other request only reads the count (GET), for the warning header.
 */
export interface QuotaCount {
  readonly tenantId: string;
  readonly metered: boolean;
  readonly month: QuotaMonth;
  /** The count after this request (metered) or as it stands; `null` when Redis failed. */
  readonly value: Promise<number | null>;
}

/**
 * Starts counting a request of `tenantId` in the current UTC month. Issues its commands synchronously, so call it in
 * the same tick as the other commands of the round trip it should join. Never rejects.
 */
export function startQuotaCount(deps: MeterDeps, tenantId: string, metered: boolean): QuotaCount {
  const month = quotaMonth(deps.now());
  const key = quotaKey(tenantId, month.id);
  let value: Promise<number | null>;
  const redis = deps.shards.forTenant(tenantId);
  if (metered) {
    // INCR and its TTL (which only has to outlive the month) in one script: one Upstash command, not two.
    value = runKnownScript<number>(redis, COUNT, COUNT_SHA, [key], [COUNTER_TTL_SECONDS]);
  } else {
    value = redis.get<number | string>(key).then((v) => (v === null ? 0 : Number(v)));
  }
  return { tenantId, metered, month, value: value.catch(() => null) };
}

/**
 * A {@link QuotaCount} whose command another issued: admission's warm script counts (INCR, metered) or reads (GET) the
 * counter of {@link quotaKey}`(tenantId, month.id)` with the key lookup and the session touch (src/admission/warm-read.ts).
 * `value` is what that script answered for the counter. Never rejects.
 */
export function quotaCountFrom(
  tenantId: string,
  metered: boolean,
  month: QuotaMonth,
  value: Promise<unknown>,
): QuotaCount {
  const counted = value.then((v) => (v === null || v === undefined ? 0 : Number(v)));
  return { tenantId, metered, month, value: counted.catch(() => null) };
}

// Per request, never shared: the counts this request already gave back.
const refunded = new WeakSet<QuotaCount>();

/**
 * Gives back a metered request's unit when the request is refused after all (the rate limit, the quota itself, or a
 * credential that did not verify), so the count is of calls served. After the response: it changes nothing the
 * client sees.
 */
export function refundQuota(deps: MeterDeps, count: QuotaCount): void {
  // Once per count, whichever stage refuses the request first.
  if (!count.metered || refunded.has(count)) return;
  refunded.add(count);
  deps.waitUntil(
    count.value.then((v) =>
      v === null
        ? undefined
        : deps.shards
            .forTenant(count.tenantId)
            .decr(quotaKey(count.tenantId, count.month.id))
            .catch(() => undefined),
    ),
  );
}

/**
 * Judges a request against its tenant's monthly quota, once its rate limit passed. A metered request beyond the quota
 * gets 429 saying it is the monthly quota and when it resets (its unit is given back); any request of a tenant at 80%
 * or more of its quota carries `X-Monthly-Quota-Warning`. An unlimited tenant is counted and never refused. When the
 * count could not be read, {@link degraded} decides, as for the rate limit.
 */
export async function judgeQuota(
  deps: MeterDeps,
  count: QuotaCount,
  tenant: Pick<TenantContext, "id" | "plan" | "config">,
  headers: Record<string, string>,
): Promise<void> {
  const quota = monthlyQuotaOf(tenant);
  const used = await count.value;
  if (quota === null) return;
  if (used === null) return degraded(deps, count);
  const resetsAt = new Date(count.month.resetsAt).toISOString();
  const fields = {
    "x-monthly-quota-limit": String(quota),
    "x-monthly-quota-remaining": String(Math.max(0, quota - used)),
    "x-monthly-quota-reset": resetsAt,
  };
  if (count.metered && used > quota) {
    refundQuota(deps, count);
    const retryAfter = Math.max(1, Math.ceil((count.month.resetsAt - deps.now()) / 1000));
    throw new HttpError(
      429,
      `Monthly tool-call quota exhausted: all ${quota} calls of ${count.month.id} (UTC) are used. It resets at ${resetsAt}; listing and reading still work.`,
      {
        headers: { ...fields, "x-monthly-quota-remaining": "0", "retry-after": String(retryAfter) },
        internal: `tenant ${tenant.id} over its monthly quota of ${quota}`,
        data: { quota: "monthly", limit: quota, used: quota, month: count.month.id, resetsAt },
      },
    );
  }
  if (used >= WARN_AT * quota) {
    const share = used >= quota ? 100 : 80;
    Object.assign(headers, fields, {
      "x-monthly-quota-warning": `${share}% of the monthly quota of ${quota} tool calls used (${Math.min(used, quota)}); resets ${resetsAt}`,
    });
  }
}

/**
 * The count could not be read (Redis failed or was slow): the rate limit's policy applies. "open" serves the request
 * uncounted (logged); "closed" answers 503 for a metered request. Unmetered requests are never refused for it.
 */
function degraded(deps: MeterDeps, count: QuotaCount): void {
  if (count.metered && deps.config.rateLimitOnError === "closed") {
    throw new HttpError(503, "Service temporarily unavailable", {
      headers: { "retry-after": "2" },
      internal: `monthly quota count unavailable for tenant ${count.tenantId}, failing closed`,
    });
  }
  deps.log.warn("monthly quota count unavailable, failing open", { tenant_id: count.tenantId });
}
