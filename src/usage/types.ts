/** Calls and errors of one tool, or of one day. */
interface Counts {
  calls: number;
  errors: number;
}

/**
 * A tenant's own usage, as `GET /usage` and the `tenant://usage` resource show it to the tenant. `quota` is the
 * Worker's live count (what the quota is enforced on); the rest comes from the audit log, which trails it by up to
 * about a minute (rows are flushed in batches).
 */
export interface TenantUsage {
  tenant: string;
  plan: string;
  /** The current period: a calendar month in UTC. */
  period: { month: string; start: string; resetsAt: string };
  quota: {
    /** Tool calls per month; `null`: unlimited. */
    limit: number | null;
    /** Tool calls served this month. */
    used: number;
    /** `null` when unlimited. */
    remaining: number | null;
  };
  /** Finished tool calls this month, from the audit log. */
  calls: number;
  /** Of those, results with `isError` and JSON-RPC errors. */
  errors: number;
  /** Per tool this month, most calls first. */
  tools: Array<{ tool: string } & Counts>;
  /** The last 30 days (UTC), oldest first; days without calls are listed with zeros. */
  days: Array<{ date: string } & Counts>;
  /** Audit rows of the last minute or so may not be counted in `calls`, `tools` and `days` yet. */
  recordedUpTo: "about a minute ago";
}
