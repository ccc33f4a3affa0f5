import { platformDailyUsage, recentErrors, tenantDailyUsage } from "../../src/control/usage-daily.ts";
import { exportUsage, usageExportCsv } from "../../src/control/usage-export.ts";
import { usageError } from "./admin-error.ts";
import { numberOption, optional, required, type Command } from "./command.ts";

/**
 * `usage export`, `usage daily` and `usage errors`. Listed before `usage <slug>` (scripts/admin/key-commands.ts), which would otherwise take `export` for a
 * slug.
 */
export const USAGE_COMMANDS: Command[] = [
  {
    words: ["usage", "export"],
    args: [],
    options: { month: { type: "string" }, tenant: { type: "string" }, format: { type: "string" } },
    summary: "billing export of a month: calls per tenant, tool, credential and user, as CSV or JSON",
    synopsis: "--month <YYYY-MM> [--tenant <slug>] [--format csv|json]",
    details: `From the audit log, for one calendar month in UTC. Per tenant, tool, credential (API key or OAuth grant) and
user (an OAuth sign-in's subject, or key:<key id>): rows (audit rows: every round trip), calls (finished calls:
rows minus questions to the user), errors (isError results and JSON-RPC errors) and billable (calls that reached
the tool: results with or without isError; protocol errors are not billable). The same month gives the same bytes;
the total's rows equal the audit table's row count for the month (and tenant). Rows still queued in Redis are not
in it: export a month once it is over and \`audit backlog\` is empty.

  --month <YYYY-MM>     the month (UTC)
  --tenant <slug>       one tenant only (default every tenant)
  --format csv|json     CSV (default): a header, one line per group, a last line "(total)"; JSON:
                        {"month", "lines": [{"tenant", "tool", "credentialKind", "credential", "user", "rows",
                        "calls", "errors", "billable"}], "total": {"rows", "calls", "errors", "billable"}}`,
    async run(deps, _args, values) {
      const format = optional(values, "format") ?? (values.json ? "json" : "csv");
      if (format !== "csv" && format !== "json") throw usageError('--format must be "csv" or "json"');
      const report = await exportUsage(deps, required(values, "month"), optional(values, "tenant"));
      return { json: report, human: format === "csv" ? usageExportCsv(report) : JSON.stringify(report, null, 2) };
    },
  },
  {
    words: ["usage", "daily"],
    args: ["slug"],
    optionalArgs: true,
    options: { days: { type: "string" } },
    summary: "tool calls per UTC day: per tool, error rate and p95 (one tenant, or the whole platform)",
    synopsis: "[<slug>] [--days <30>]",
    details: `What the web console's charts show (docs/console.md), from the audit log: per UTC day, today included,
finished calls per tool, and in all the error rate (tool and protocol errors over calls) and the p95 duration.
Without <slug>, the whole platform.

  --days <n>   how many days, 1 to 90 (default 30)`,
    async run(deps, args, values) {
      const days = checkedWhole(numberOption(values, "days") ?? 30, "days", 90);
      const report = args[0]
        ? await tenantDailyUsage(deps, args[0], days, Date.now())
        : await platformDailyUsage(deps, days, Date.now());
      const lines = report.days.map((d, i) => {
        const rate = report.errorRate[i] ?? null;
        const p95 = report.p95Ms[i] ?? null;
        return `${d}  ${String(report.calls[i]).padStart(7)} calls  ${rate === null ? "      -" : `${(rate * 100).toFixed(1).padStart(5)} %`}  p95 ${p95 === null ? "-" : `${p95} ms`}`;
      });
      return { json: report, human: lines.join("\n") };
    },
  },
  {
    words: ["usage", "errors"],
    args: ["slug"],
    options: { limit: { type: "string" } },
    summary: "a tenant's latest failed tool calls, newest first",
    synopsis: "<slug> [--limit <20>]",
    details: `Tool errors (results with isError) and protocol errors (JSON-RPC errors), with tool, duration, user and
request id (to find the request's log line), as the console's tenant page shows them.

  --limit <n>   how many, 1 to 100 (default 20)`,
    async run(deps, args, values) {
      const limit = checkedWhole(numberOption(values, "limit") ?? 20, "limit", 100);
      const errors = await recentErrors(deps, args[0] as string, limit);
      const human = errors.map((e) => `${e.at}  ${e.tool}  ${e.status}  ${e.durationMs} ms  ${e.user}  ${e.requestId}`);
      return { json: { items: errors }, human: human.length ? human.join("\n") : "no failed calls" };
    },
  },
];

/** `n` when it is a whole number from 1 to `max`; else a usage error naming the option. */
function checkedWhole(n: number, name: string, max: number): number {
  if (!Number.isInteger(n) || n < 1 || n > max) throw usageError(`--${name} must be a whole number from 1 to ${max}`);
  return n;
}
