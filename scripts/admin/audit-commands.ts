import { auditQueueBacklog } from "../../src/control/audit-queue.ts";
import type { Command } from "./command.ts";
import { table } from "./output.ts";

/** The `audit ...` commands: the state of the audit pipeline. */
export const AUDIT_COMMANDS: Command[] = [
  {
    words: ["audit", "backlog"],
    args: [],
    options: {},
    summary: "audit rows waiting in Redis for the flush to Postgres, per tenant",
    synopsis: "",
    details: `Tool calls queue their audit rows in Redis; the Worker's Cron Trigger (every minute) and busy requests move
them to Postgres in batches. A backlog that stays large or grows means the flush is failing: the Worker's log says why
("audit flush failed"). Rows are counted in \`usage\` only once they are in Postgres.
JSON: {"total", "tenants": [{"tenant", "rows"}]} (tenant: the slug, or the id of a tenant this database does not have)`,
    async run(deps) {
      const report = await auditQueueBacklog(deps);
      const body = report.tenants.length
        ? table(
            ["tenant", "rows"],
            report.tenants.map((t) => [t.tenant, String(t.rows)]),
          )
        : "no audit rows waiting";
      return { json: report, human: `${report.total} audit rows waiting for the flush\n\n${body}` };
    },
  },
];
