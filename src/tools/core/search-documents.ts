import * as z from "zod";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { DocumentSummary, Id, SUMMARY_COLUMNS, toSummary, workspaceArgument } from "./documents.ts";
import { READ_ONLY } from "../annotations.ts";

const Input = z.object({
  query: z
    .string()
    .min(1)
    .max(500)
    .describe('Web-search syntax: words, "quoted phrases", OR, and -excluded words (English stemming)'),
  workspace_id: workspaceArgument(Id.optional(), "Only search this workspace"),
  limit: z.number().int().min(1).max(50).default(10).describe("Most results to return"),
});

const Output = z.object({
  results: z.array(
    DocumentSummary.extend({
      rank: z.number().describe("Relevance (ts_rank_cd); title matches weigh more than body matches"),
      snippet: z.string().describe("Body excerpt with matches between ** markers"),
    }),
  ),
});

// ts_headline re-parses the whole body, so it runs in the outer query on the `limit` winners only, not on every
// match; bodies themselves never leave the database.
const SEARCH_SQL = `
  select hit.id, hit.workspace_id, hit.title, hit.size_bytes, hit.created_at, hit.updated_at, hit.rank,
         ts_headline('english', hit.body, hit.q,
                     'StartSel=**, StopSel=**, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "') as snippet
    from (select ${SUMMARY_COLUMNS}, d.body, q, ts_rank_cd(d.search, q) as rank
            from documents d, websearch_to_tsquery('english', $1) q
           where d.search @@ q
             and ($2::uuid is null or d.workspace_id = $2::uuid)
           order by rank desc, d.updated_at desc, d.id
           limit $3) hit
   order by hit.rank desc, hit.updated_at desc, hit.id`;

/** Full-text search over titles and bodies, best match first. */
export const searchDocuments = defineTool({
  name: "search_documents",
  title: "Search documents",
  description:
    "Full-text search over document titles and bodies (English stemming, web-search syntax), best match first, " +
    "with a snippet of each match. Optionally limited to one workspace.",
  feature: "core",
  input: Input,
  output: Output,
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const workspaceId = args.workspace_id ?? null;
    const [exists, rows] = await ctx.db.batch(
      [
        // Searching a workspace that does not exist is a mistake worth reporting, the same way as everywhere else.
        { text: "select 1 from workspaces where $1::uuid is null or id = $1::uuid limit 1", params: [workspaceId] },
        { text: SEARCH_SQL, params: [args.query, workspaceId, args.limit] },
      ],
      { readOnly: true, signal: ctx.signal },
    );
    if (workspaceId !== null && !exists?.length) return errorResult(Messages.workspaceNotFound);
    const out: z.output<typeof Output> = {
      results: (rows ?? []).map((r) => ({ ...toSummary(r), rank: Number(r.rank), snippet: String(r.snippet) })),
    };
    return dataResult(out);
  },
});
