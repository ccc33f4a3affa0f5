import { exportUsage, usageExportCsv } from "../../src/control/usage-export.ts";
import { usageError } from "./admin-error.ts";
import { optional, required, type Command } from "./command.ts";

/**
 * `usage export`. Listed before `usage <slug>` (scripts/admin/key-commands.ts), which would otherwise take `export` for a
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
];
