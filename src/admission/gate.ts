import type { RequestContext } from "../context.ts";
import { judgeQuota, refundQuota, type QuotaCount } from "../quota/meter.ts";
import type { RateLimitOutcome } from "../ratelimit/limiter.ts";
import type { TenantContext } from "../tenancy/tenant.ts";

/**
 * What must pass before any MCP work, in order: the tenant's per-minute rate limit (429 or 503 from `rateLimit`), then
 * its monthly quota ({@link judgeQuota}: 429 for a `tools/call` over it). Both counts were started in the same round
 * trip; a request refused by either gives its quota unit back, so the monthly count is of calls served. Headers of
 * both go on the response.
 */
export async function passGate(
  rc: RequestContext,
  headers: Record<string, string>,
  tenant: TenantContext,
  rateLimit: () => Promise<RateLimitOutcome>,
  count: QuotaCount,
): Promise<void> {
  let limited: RateLimitOutcome;
  try {
    limited = await rateLimit();
  } catch (err) {
    refundQuota(rc, count);
    throw err;
  }
  Object.assign(headers, limited.headers);
  await judgeQuota(rc, count, tenant, headers);
}
