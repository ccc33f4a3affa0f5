import { ControlError } from "./errors.ts";
import type { AdminDeps } from "./types.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { iso } from "../db/timestamps.ts";

/**
 * Calls of one tool (or of all tools, in `total`) in the period, by what the client saw. A call of several round trips
 * (MCP 2026-07-28 `InputRequiredResult`, e.g. a confirmed `delete_document`) counts once, with the outcome and duration
 * of its last round trip. Durations in milliseconds, of the server's work on that round trip.
 */
interface ToolUsage {
  tool: string;
  /** Finished calls: `ok + toolErrors + protocolErrors`. */
  calls: number;
  /** Results without `isError`. */
  ok: number;
  /** Results with `isError: true` (bad arguments, not found, a failure the tool reported). */
  toolErrors: number;
  /** JSON-RPC errors instead of a result (unknown tool, invalid params, missing client capability, ...). */
  protocolErrors: number;
  /** `toolErrors + protocolErrors`. */
  errors: number;
  /** Calls that asked the user for input in the period and got no answer (yet); not in `calls`. */
  unanswered: number;
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

const PERIOD = "called_at >= now() - make_interval(secs => $1::float8)";

// A round trip that ended in a question (input_required) is not a finished call: the round trip that answers it is.
// 'error' is the status written before sql/007 for what is now tool_error. percentile_disc: an observed duration,
// not an interpolation between two calls.
const STATS = `count(*)::int as calls,
               count(*) filter (where status = 'ok')::int as ok,
               count(*) filter (where status in ('tool_error', 'error'))::int as tool_errors,
               count(*) filter (where status = 'protocol_error')::int as protocol_errors,
               percentile_disc(0.5) within group (order by duration_ms) as p50,
               percentile_disc(0.95) within group (order by duration_ms) as p95
          from public.audit_log
         where ${PERIOD} and status <> 'input_required'`;

// Linked calls whose round trips in the period all asked and none finished. The answer always comes after the
// question, so a call whose question lies in the period has its answer in the period too.
const UNANSWERED = `select tool, count(*)::int as unanswered
                      from (select tool, call_id
                              from public.audit_log
                             where ${PERIOD} and call_id is not null
                             group by tool, call_id
                            having bool_and(status = 'input_required')) as asked
                     group by tool`;

/**
 * Tool calls per tool in the last `sinceSeconds`, from the audit log: finished calls by outcome, unanswered questions,
 * p50 and p95 duration.
 */
export async function usage(deps: AdminDeps, slug: string, sinceSeconds: number): Promise<UsageReport> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    { text: "select now() - make_interval(secs => $1::float8) as since", params: [sinceSeconds] },
    { text: `select tool, ${STATS} group by tool`, params: [sinceSeconds] },
    { text: UNANSWERED, params: [sinceSeconds] },
    { text: `select 'all' as tool, ${STATS}`, params: [sinceSeconds] },
  ]);
  if (tenantId === null) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  const unanswered = new Map((results[2] ?? []).map((r) => [String(r.tool), Number(r.unanswered)]));
  const tools = (results[1] ?? []).map((r) => toUsage(r, unanswered.get(String(r.tool)) ?? 0));
  // A tool whose every call is still waiting for its answer has no finished call, and still shows.
  for (const [tool, n] of unanswered)
    if (!tools.some((t) => t.tool === tool)) tools.push(toUsage({ tool, calls: 0 }, n));
  tools.sort((a, b) => b.calls - a.calls || (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0));
  return {
    tenant: slug,
    since: iso(results[0]?.[0]?.since),
    tools,
    total: toUsage(
      results[3]?.[0] ?? { tool: "all" },
      [...unanswered.values()].reduce((a, b) => a + b, 0),
    ),
  };
}

function toUsage(row: Row, unanswered: number): ToolUsage {
  const ms = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const toolErrors = Number(row.tool_errors ?? 0);
  const protocolErrors = Number(row.protocol_errors ?? 0);
  return {
    tool: String(row.tool),
    calls: Number(row.calls ?? 0),
    ok: Number(row.ok ?? 0),
    toolErrors,
    protocolErrors,
    errors: toolErrors + protocolErrors,
    unanswered,
    p50Ms: ms(row.p50),
    p95Ms: ms(row.p95),
  };
}

/** One person's (or API key's) tool calls in a period: `user` is the OAuth subject, or `key:<key id>`. */
export interface UserUsage {
  user: string;
  /** Round trips that ended with an answer (a question to the user is not one). */
  calls: number;
  errors: number;
}

/**
 * Tool calls per user in the last `sinceSeconds`: an OAuth grant's subject, or for an API key `key:<key id>` (the same
 * name a sign-in with that key gets, so the two add up), most calls first.
 */
export async function usageByUser(deps: AdminDeps, slug: string, sinceSeconds: number): Promise<UserUsage[]> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    {
      text: `select coalesce(subject, 'key:' || key_id) as "user",
                    count(*) filter (where status <> 'input_required') as calls,
                    count(*) filter (where status in ('tool_error', 'protocol_error', 'error')) as errors
               from public.audit_log
              where called_at >= now() - make_interval(secs => $1::float8)
              group by 1
              order by 2 desc, 1`,
      params: [sinceSeconds],
    },
  ]);
  if (tenantId === null) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  return (results[0] ?? []).map((r) => ({ user: String(r.user), calls: Number(r.calls), errors: Number(r.errors) }));
}
