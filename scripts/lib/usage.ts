import { AdminError } from "./admin-error.ts";
import type { AdminDeps } from "./admin-types.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { iso } from "./rows.ts";

/** Calls of one tool (or of all tools, in `total`) in the period. Durations in milliseconds. */
export interface ToolUsage {
  tool: string;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** What `usage` reports. */
export interface UsageReport {
  tenant: string;
  /** Start of the period, ISO 8601 (database clock). */
  since: string;
  tools: ToolUsage[];
  total: ToolUsage;
}

// percentile_disc: an observed duration, not an interpolation between two calls.
const STATS = `count(*)::int as calls,
               count(*) filter (where status = 'error')::int as errors,
               percentile_disc(0.5) within group (order by duration_ms) as p50,
               percentile_disc(0.95) within group (order by duration_ms) as p95
          from public.audit_log
         where called_at >= now() - make_interval(secs => $1::float8)`;

/** Tool calls per tool in the last `sinceSeconds`, from the audit log: counts, errors, p50 and p95 duration. */
export async function usage(deps: AdminDeps, slug: string, sinceSeconds: number): Promise<UsageReport> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    { text: "select now() - make_interval(secs => $1::float8) as since", params: [sinceSeconds] },
    { text: `select tool, ${STATS} group by tool order by calls desc, tool`, params: [sinceSeconds] },
    { text: `select 'all' as tool, ${STATS}`, params: [sinceSeconds] },
  ]);
  if (tenantId === null) throw new AdminError(`no tenant with slug "${slug}"`);
  return {
    tenant: slug,
    since: iso(results[0]?.[0]?.since) as string,
    tools: (results[1] ?? []).map(toUsage),
    total: toUsage(results[2]?.[0] ?? { tool: "all", calls: 0, errors: 0, p50: null, p95: null }),
  };
}

function toUsage(row: Row): ToolUsage {
  const ms = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return { tool: String(row.tool), calls: Number(row.calls), errors: Number(row.errors), p50Ms: ms(row.p50), p95Ms: ms(row.p95) };
}
