import { ControlError } from "./errors.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { listTenants } from "./tenants.ts";
import type { AdminDeps } from "./types.ts";
import { iso } from "../db/timestamps.ts";

/**
 * Tool calls per UTC day over a period, for the console's charts: per tool, and in all with the error rate and the
 * p95 duration. Every list has one entry per day of `days`, oldest first; a day without calls has 0 calls and `null`
 * rate and p95. Finished round trips only (a question to the user is not a call), as in `usage`.
 */
export interface DailyUsage {
  /** The tenant's slug, or `null` for the whole platform. */
  tenant: string | null;
  /** The days, `YYYY-MM-DD` (UTC), oldest first; the last is today. */
  days: string[];
  /** Calls per day of each tool that had any, most calls first. */
  tools: { tool: string; calls: number[] }[];
  calls: number[];
  /** Tool errors and protocol errors. */
  errors: number[];
  /** `errors / calls`, from 0 to 1; null on a day without calls. */
  errorRate: (number | null)[];
  /** The 95th percentile of the day's durations in ms (an observed one); null on a day without calls. */
  p95Ms: (number | null)[];
}

const ERROR = "status in ('tool_error', 'protocol_error', 'error')";
const DAY = "to_char((called_at at time zone 'UTC')::date, 'YYYY-MM-DD')";

/** The last `days` UTC days up to the one `now` (epoch ms) falls in, oldest first, and the first one's start. */
export function dayRange(now: number, days: number): { days: string[]; since: string } {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  const list: string[] = [];
  for (let i = days - 1; i >= 0; i--) list.push(new Date(today - i * 86_400_000).toISOString().slice(0, 10));
  return { days: list, since: new Date(today - (days - 1) * 86_400_000).toISOString() };
}

/** One tenant's calls per day over the last `days` UTC days (today included). */
export async function tenantDailyUsage(deps: AdminDeps, slug: string, days: number, now: number): Promise<DailyUsage> {
  const range = dayRange(now, days);
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    {
      text: `select ${DAY} as day, tool, count(*)::int as calls
               from public.audit_log
              where called_at >= $1::timestamptz and status <> 'input_required'
              group by 1, 2`,
      params: [range.since],
    },
    {
      text: `select ${DAY} as day, count(*)::int as calls, count(*) filter (where ${ERROR})::int as errors,
                    percentile_disc(0.95) within group (order by duration_ms) as p95
               from public.audit_log
              where called_at >= $1::timestamptz and status <> 'input_required'
              group by 1`,
      params: [range.since],
    },
  ]);
  if (tenantId === null) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  return series(slug, range.days, results[0] ?? [], results[1] ?? []);
}

/**
 * The whole platform's calls per day over the last `days` UTC days. The owner role sees one tenant per transaction
 * scope (FORCE ROW LEVEL SECURITY), so one transaction copies each tenant's rows of the period into a temporary table
 * (dropped at commit) and aggregates there: one round trip, and a p95 over all calls rather than an average of the
 * tenants' percentiles. Its cost grows with the period's calls across all tenants; 90 days at most.
 */
export async function platformDailyUsage(deps: AdminDeps, days: number, now: number): Promise<DailyUsage> {
  const range = dayRange(now, days);
  const tenants = await listTenants(deps);
  const copies = tenants.flatMap((t) => [
    { text: "select set_config('app.tenant_id', $1, true)", params: [t.id] },
    {
      text: `insert into console_calls
             select ${DAY}, tool, ${ERROR}, duration_ms from public.audit_log
              where called_at >= $1::timestamptz and status <> 'input_required'`,
      params: [range.since],
    },
  ]);
  const { results } = await ownerTransaction(deps.sql, { directory: true }, [
    {
      text: "create temporary table console_calls (day text, tool text, error boolean, duration_ms integer) on commit drop",
    },
    ...copies,
    { text: "select day, tool, count(*)::int as calls from console_calls group by 1, 2" },
    {
      text: `select day, count(*)::int as calls, count(*) filter (where error)::int as errors,
                    percentile_disc(0.95) within group (order by duration_ms) as p95
               from console_calls group by 1`,
    },
  ]);
  const n = results.length;
  return series(null, range.days, results[n - 2] ?? [], results[n - 1] ?? []);
}

function series(tenant: string | null, days: string[], byTool: Row[], byDay: Row[]): DailyUsage {
  const index = new Map(days.map((d, i) => [d, i]));
  const tools = new Map<string, number[]>();
  for (const r of byTool) {
    const i = index.get(String(r.day));
    if (i === undefined) continue;
    const tool = String(r.tool);
    if (!tools.has(tool))
      tools.set(
        tool,
        days.map(() => 0),
      );
    (tools.get(tool) as number[])[i] = Number(r.calls);
  }
  const calls = days.map(() => 0);
  const errors = days.map(() => 0);
  const p95Ms: (number | null)[] = days.map(() => null);
  for (const r of byDay) {
    const i = index.get(String(r.day));
    if (i === undefined) continue;
    calls[i] = Number(r.calls);
    errors[i] = Number(r.errors);
    p95Ms[i] = r.p95 === null || r.p95 === undefined ? null : Number(r.p95);
  }
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return {
    tenant,
    days,
    tools: [...tools]
      .map(([tool, c]) => ({ tool, calls: c }))
      .sort((a, b) => sum(b.calls) - sum(a.calls) || (a.tool < b.tool ? -1 : 1)),
    calls,
    errors,
    errorRate: calls.map((c, i) => (c === 0 ? null : (errors[i] as number) / c)),
    p95Ms,
  };
}

/** One failed tool call, for the console's tenant page. */
export interface RecentError {
  at: string;
  tool: string;
  /** `tool_error` (a result with isError) or `protocol_error` (a JSON-RPC error). */
  status: string;
  durationMs: number;
  requestId: string;
  /** The OAuth subject, or `key:<key id>`. */
  user: string;
}

/** A tenant's latest failed tool calls, newest first. */
export async function recentErrors(deps: AdminDeps, slug: string, limit: number): Promise<RecentError[]> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    {
      text: `select called_at, tool, status, duration_ms, request_id, coalesce(subject, 'key:' || key_id) as "user"
               from public.audit_log where ${ERROR}
              order by called_at desc limit $1`,
      params: [limit],
    },
  ]);
  if (tenantId === null) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  return (results[0] ?? []).map((r) => ({
    at: iso(r.called_at),
    tool: String(r.tool),
    status: r.status === "error" ? "tool_error" : String(r.status),
    durationMs: Number(r.duration_ms),
    requestId: String(r.request_id),
    user: String(r.user),
  }));
}
