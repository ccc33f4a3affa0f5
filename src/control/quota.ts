import { quotaMonth } from "../quota/month.ts";
import { quotaKey } from "../redis/keys.ts";
import { listTenants } from "./tenants.ts";
import type { AdminDeps } from "./types.ts";

/** One tenant's standing against its monthly quota. */
interface QuotaStanding {
  tenant: string;
  plan: string;
  /** Tool calls per month in effect; `null`: unlimited. */
  quota: number | null;
  /** Tool calls served this month, as the Worker counts them for the quota. */
  used: number;
  /** `used` as a share of `quota`, in percent (one decimal); `null` when unlimited. */
  percent: number | null;
}

/** What `quota list` reports. */
export interface QuotaReport {
  /** The month counted, `YYYY-MM` (UTC). */
  month: string;
  /** When the counts start again at zero, ISO 8601. */
  resetsAt: string;
  /** Tenants at or above `minPercent` of their quota, closest to (or furthest past) it first; unlimited ones last. */
  tenants: QuotaStanding[];
}

/**
 * Every tenant's tool calls this month against its monthly quota, from the counters the Worker keeps in Redis
 * (src/quota/meter.ts), so an operator sees who is close before they hit it. `minPercent` keeps only tenants at or
 * above that share (unlimited tenants only when it is 0). `now`: epoch ms, the clock of the month to read.
 */
export async function quotaStandings(deps: AdminDeps, minPercent: number, now: number): Promise<QuotaReport> {
  const month = quotaMonth(now);
  const tenants = await listTenants(deps);
  const counts =
    tenants.length === 0
      ? []
      : await countsByShard(
          deps.shards,
          tenants.map((t) => t.id),
          month.id,
        );
  const rows = tenants.map((t, i): QuotaStanding => {
    const used = Number(counts[i] ?? 0);
    const percent =
      t.monthlyQuota === null ? null : t.monthlyQuota === 0 ? 100 : Math.round((used / t.monthlyQuota) * 1000) / 10;
    return { tenant: t.slug, plan: t.plan, quota: t.monthlyQuota, used, percent };
  });
  const kept = rows.filter((r) => (r.percent === null ? minPercent <= 0 : r.percent >= minPercent));
  kept.sort((a, b) => (b.percent ?? -1) - (a.percent ?? -1) || b.used - a.used || (a.tenant < b.tenant ? -1 : 1));
  return { month: month.id, resetsAt: new Date(month.resetsAt).toISOString(), tenants: kept };
}

/** Each tenant's counter of `month`, in the order of `tenantIds`: one MGET per shard, each of its own tenants. */
async function countsByShard(
  shards: AdminDeps["shards"],
  tenantIds: readonly string[],
  month: string,
): Promise<(number | string | null)[]> {
  const byShard = new Map<number, number[]>();
  tenantIds.forEach((id, i) => {
    const s = shards.tenantShard(id);
    byShard.set(s, [...(byShard.get(s) ?? []), i]);
  });
  const counts: (number | string | null)[] = tenantIds.map(() => null);
  await Promise.all(
    [...byShard].map(async ([s, positions]) => {
      const keys = positions.map((i) => quotaKey(tenantIds[i] as string, month));
      const values = await shards.at(s).mget<(number | string | null)[]>(...keys);
      positions.forEach((i, j) => {
        counts[i] = values[j] ?? null;
      });
    }),
  );
  return counts;
}
