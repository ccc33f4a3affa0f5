import * as z from "zod";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { Id, workspaceArgument } from "../core/documents.ts";
import { READ_ONLY } from "../annotations.ts";

const Input = z.object({
  workspace_id: workspaceArgument(Id.optional(), "Only this workspace; omit for the whole account"),
  days: z.number().int().min(1).max(366).default(30).describe("Length of the activity window, ending today (UTC)"),
});

const Sizes = {
  document_count: z.number().int(),
  total_bytes: z.number().int().describe("Sum of the bodies' UTF-8 sizes"),
  avg_bytes: z.number().int().describe("Mean body size, rounded; 0 without documents"),
};

const Output = z.object({
  workspaces: z.array(z.object({ workspace_id: Id, name: z.string(), ...Sizes })),
  totals: z.object({ workspace_count: z.number().int(), ...Sizes }),
  activity: z
    .array(
      z.object({
        date: z.iso.date().describe("UTC day"),
        created: z.number().int().describe("Documents created that day"),
        updated: z.number().int().describe("Documents whose latest edit was that day (creation excluded)"),
      }),
    )
    .describe("One entry per day of the window, oldest first, days without activity included"),
});

const PER_WORKSPACE_SQL = `
  select w.id, w.name,
         count(d.id)::int as document_count,
         coalesce(sum(octet_length(d.body)), 0)::float8 as total_bytes
    from workspaces w
    left join documents d on d.tenant_id = w.tenant_id and d.workspace_id = w.id
   where $1::uuid is null or w.id = $1::uuid
   group by w.tenant_id, w.id
   order by w.created_at, w.id`;

// Each timestamp is bucketed once (two grouped scans), then joined to the calendar, instead of one count per day.
const ACTIVITY_SQL = `
  with window_days as (
         select (now() at time zone 'UTC')::date - g as day from generate_series(0, $2::int - 1) g
       ),
       since as (
         select ((now() at time zone 'UTC')::date - ($2::int - 1))::timestamp at time zone 'UTC' as t
       ),
       created as (
         select (d.created_at at time zone 'UTC')::date as day, count(*)::int as n
           from documents d
          where ($1::uuid is null or d.workspace_id = $1::uuid) and d.created_at >= (select t from since)
          group by 1
       ),
       updated as (
         select (d.updated_at at time zone 'UTC')::date as day, count(*)::int as n
           from documents d
          where ($1::uuid is null or d.workspace_id = $1::uuid)
            and d.updated_at > d.created_at and d.updated_at >= (select t from since)
          group by 1
       )
  select to_char(w.day, 'YYYY-MM-DD') as date, coalesce(c.n, 0) as created, coalesce(u.n, 0) as updated
    from window_days w
    left join created c on c.day = w.day
    left join updated u on u.day = w.day
   order by w.day`;

/** Document counts, sizes and daily activity, per workspace and in total. */
export const workspaceStats = defineTool({
  name: "workspace_stats",
  title: "Workspace statistics",
  description:
    "Document counts and sizes per workspace and in total, and documents created/edited per day over the last " +
    "`days` days (UTC).",
  feature: "advanced_analytics",
  input: Input,
  output: Output,
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const workspaceId = args.workspace_id ?? null;
    const [perWorkspace, activity] = await ctx.db.batch(
      [
        { text: PER_WORKSPACE_SQL, params: [workspaceId] },
        { text: ACTIVITY_SQL, params: [workspaceId, args.days] },
      ],
      { readOnly: true, signal: ctx.signal },
    );
    if (workspaceId !== null && !perWorkspace?.length) return errorResult(Messages.workspaceNotFound);

    const workspaces = (perWorkspace ?? []).map((r) => {
      const count = Number(r.document_count);
      const total = Number(r.total_bytes);
      return {
        workspace_id: String(r.id),
        name: String(r.name),
        document_count: count,
        total_bytes: total,
        avg_bytes: mean(total, count),
      };
    });
    const documentCount = workspaces.reduce((n, w) => n + w.document_count, 0);
    const totalBytes = workspaces.reduce((n, w) => n + w.total_bytes, 0);
    const out: z.output<typeof Output> = {
      workspaces,
      totals: {
        workspace_count: workspaces.length,
        document_count: documentCount,
        total_bytes: totalBytes,
        avg_bytes: mean(totalBytes, documentCount),
      },
      activity: (activity ?? []).map((r) => ({
        date: String(r.date),
        created: Number(r.created),
        updated: Number(r.updated),
      })),
    };
    return dataResult(out);
  },
});

function mean(total: number, count: number): number {
  return count === 0 ? 0 : Math.round(total / count);
}
