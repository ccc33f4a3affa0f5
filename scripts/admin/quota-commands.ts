import { quotaStandings } from "../../src/control/quota.ts";
import { usageError } from "./admin-error.ts";
import { numberOption, type Command } from "./command.ts";
import { table, when } from "./output.ts";

/** The `quota ...` commands: tenants against their monthly quota of tool calls. */
export const QUOTA_COMMANDS: Command[] = [
  {
    words: ["quota", "list"],
    args: [],
    options: { min: { type: "string" } },
    summary: "tool calls this month against each tenant's monthly quota, closest to it first",
    synopsis: "[--min <percent>]",
    details: `Counts are the Worker's own (Redis), of tool calls served this calendar month (UTC); they start again at zero
on the 1st. A tenant at 80% or more gets a warning header on its responses, and past 100% its tool calls get 429
(listing and reading still work). Set a tenant's own quota with \`tenant update <slug> --monthly-quota <n|unlimited|plan>\`.

  --min <percent>       only tenants at or above this share of their quota, e.g. 80 (default 0: every tenant,
                        unlimited ones last)
JSON: {"month", "resetsAt", "tenants": [{"tenant", "plan", "quota", "used", "percent"}]} (quota and percent null when
unlimited)`,
    async run(deps, _args, values) {
      const min = numberOption(values, "min") ?? 0;
      if (min < 0) throw usageError("--min must be 0 or more");
      const report = await quotaStandings(deps, min, Date.now());
      const rows = report.tenants.map((t) => [
        t.tenant,
        t.plan,
        String(t.used),
        t.quota === null ? "unlimited" : String(t.quota),
        t.percent === null ? "-" : `${t.percent}%`,
      ]);
      const body = rows.length ? table(["tenant", "plan", "used", "quota", "share"], rows) : "no tenant at that share";
      return {
        json: report,
        human: `tool calls in ${report.month} (resets ${when(report.resetsAt)})\n\n${body}`,
      };
    },
  },
];
