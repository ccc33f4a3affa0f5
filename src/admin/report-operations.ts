import * as z from "zod";
import { auditQueueBacklog } from "../control/audit-queue.ts";
import { listOperatorAudit } from "../control/operators.ts";
import { quotaStandings } from "../control/quota.ts";
import { operatorAuditQuery } from "../control/schemas.ts";
import { usage, usageByUser } from "../control/usage.ts";
import { exportUsage, usageExportCsv } from "../control/usage-export.ts";
import { platformDailyUsage, recentErrors, tenantDailyUsage } from "../control/usage-daily.ts";
import { operation, type Operation } from "./operation.ts";

const MAX_SECONDS = 36_500 * 86_400;

const dailyQuery = z.object({
  /** How many UTC days, today included. Default 30, at most 90. */
  days: z.coerce
    .number({ error: "must be a whole number of days from 1 to 90" })
    .int({ error: "must be a whole number of days from 1 to 90" })
    .min(1, { error: "must be a whole number of days from 1 to 90" })
    .max(90, { error: "must be a whole number of days from 1 to 90" })
    .default(30),
});

/** The reading operations: the CLI's `usage`, `usage export`, `quota list`, `audit backlog` and `operator audit`. */
export const REPORT_OPERATIONS: Operation[] = [
  operation({
    id: "getUsage",
    method: "get",
    path: "/tenants/{slug}/usage",
    tag: "usage",
    summary: "Tool calls per tool (or per user) in a period: outcomes, unanswered questions, p50 and p95 duration",
    query: z.object({
      /** How far back, in seconds. Default 604800 (7 days). */
      sinceSeconds: z.coerce
        .number({ error: `must be a whole number of seconds from 1 to ${MAX_SECONDS}` })
        .int({ error: `must be a whole number of seconds from 1 to ${MAX_SECONDS}` })
        .min(1, { error: `must be a whole number of seconds from 1 to ${MAX_SECONDS}` })
        .max(MAX_SECONDS, { error: `must be a whole number of seconds from 1 to ${MAX_SECONDS}` })
        .default(604_800),
      by: z.enum(["tool", "user"], { error: 'must be "tool" or "user"' }).default("tool"),
    }),
    async run({ deps, params, query }) {
      const slug = params.slug as string;
      if (query.by === "user")
        return { body: { tenant: slug, users: await usageByUser(deps, slug, query.sinceSeconds) } };
      return { body: await usage(deps, slug, query.sinceSeconds) };
    },
  }),
  operation({
    id: "getDailyUsage",
    method: "get",
    path: "/tenants/{slug}/usage/daily",
    tag: "usage",
    summary: "Tool calls per UTC day (per tool, and in all with error rate and p95 duration), for the console's charts",
    query: dailyQuery,
    async run({ deps, params, query, rc }) {
      return { body: await tenantDailyUsage(deps, params.slug as string, query.days, rc.now()) };
    },
  }),
  operation({
    id: "getPlatformDailyUsage",
    method: "get",
    path: "/usage/daily",
    tag: "usage",
    summary: "The whole platform's tool calls per UTC day (per tool, error rate, p95 duration)",
    query: dailyQuery,
    async run({ deps, query, rc }) {
      return { body: await platformDailyUsage(deps, query.days, rc.now()) };
    },
  }),
  operation({
    id: "listRecentErrors",
    method: "get",
    path: "/tenants/{slug}/errors",
    tag: "usage",
    summary: "A tenant's latest failed tool calls (tool and protocol errors), newest first",
    query: z.object({
      /** How many. Default 20, at most 100. */
      limit: z.coerce
        .number({ error: "must be a whole number from 1 to 100" })
        .int({ error: "must be a whole number from 1 to 100" })
        .min(1, { error: "must be a whole number from 1 to 100" })
        .max(100, { error: "must be a whole number from 1 to 100" })
        .default(20),
    }),
    async run({ deps, params, query }) {
      return { body: { items: await recentErrors(deps, params.slug as string, query.limit) } };
    },
  }),
  operation({
    id: "exportUsage",
    method: "get",
    path: "/usage/export",
    tag: "usage",
    summary: "Billing export of a month: calls per tenant, tool, credential and user (JSON, or CSV with format=csv)",
    query: z.object({
      month: z.string({ error: "must be a month as YYYY-MM (UTC)" }),
      tenant: z.string({ error: "must be a tenant slug" }).optional(),
      format: z.enum(["json", "csv"], { error: 'must be "json" or "csv"' }).default("json"),
    }),
    async run({ deps, query }) {
      const report = await exportUsage(deps, query.month, query.tenant);
      return query.format === "csv"
        ? { body: usageExportCsv(report), contentType: "text/csv; charset=utf-8" }
        : { body: report };
    },
  }),
  operation({
    id: "listQuota",
    method: "get",
    path: "/quota",
    tag: "usage",
    summary: "Tool calls this month against each tenant's monthly quota, closest to it first",
    query: z.object({
      /** Only tenants at or above this share of their quota, in percent. Default 0 (every tenant). */
      min: z.coerce
        .number({ error: "must be a percentage, 0 or more" })
        .min(0, { error: "must be 0 or more" })
        .default(0),
    }),
    async run({ deps, query, rc }) {
      return { body: await quotaStandings(deps, query.min, rc.now()) };
    },
  }),
  operation({
    id: "getAuditBacklog",
    method: "get",
    path: "/audit-queue",
    tag: "usage",
    summary: "Tool-call audit rows waiting in Redis for the flush to Postgres, per tenant",
    async run({ deps }) {
      return { body: await auditQueueBacklog(deps) };
    },
  }),
  operation({
    id: "listOperatorAudit",
    method: "get",
    path: "/audit",
    tag: "operators",
    summary: "The operator audit log, newest first: who changed what, which tenant, when, with which request id",
    description:
      "Every change made through this API is recorded, also when it was refused (403) or failed, with its status; so are the admin CLI's changes (as `cli:<user>`). Page with `cursor` = the previous page's `nextCursor`.",
    query: operatorAuditQuery,
    async run({ deps, query }) {
      return { body: await listOperatorAudit(deps, query) };
    },
  }),
  operation({
    id: "getOperator",
    method: "get",
    path: "/me",
    tag: "operators",
    summary: "The operator token this request was made with: id, name and role",
    async run({ operator }) {
      return { body: { operator } };
    },
  }),
];
