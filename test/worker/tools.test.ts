// The tools, resources and prompts, called through their SDK-neutral handlers with the Worker's real data path
// (tenantData: the Worker's role, the local Neon HTTP adapter, the tenant's data location), for tenants on each
// isolation tier (docs/isolation.md). Two tenants per tier per run, with random slugs.
import { Validator } from "@cfworker/json-schema";
import { neonConfig } from "@neondatabase/serverless";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { TenantDbError, type TenantDb } from "../../src/db/tenant-db.ts";
import { createLogger } from "../../src/log/logger.ts";
import { getPrompt, promptsFor } from "../../src/prompts/registry.ts";
import { documentUri } from "../../src/resources/documents.ts";
import { listResources, readResource, resourceTemplatesFor } from "../../src/resources/registry.ts";
import { effectiveFeatures, type IsolationTier, type Plan, type TenantContext } from "../../src/tenancy/tenant.ts";
import { EXPORT_COLUMNS, EXPORT_PAGE_SIZE } from "../../src/tools/export/export-workspace.ts";
import { ALL_TOOLS, findTool, toolsFor } from "../../src/tools/registry.ts";
import type { Tool, ToolContext, ToolResult } from "../../src/tools/types.ts";
import { createTenantOnTier, tenantDataOf, TIERS, tierLacks, type LocationAdmin } from "./support/tiers.ts";

const cloud = inject("cloud");
neonConfig.fetchEndpoint = cloud.neonHttpEndpoint;
// Counts this isolate's Neon HTTP requests exactly (the local cloud's counters also see other test files).
let fetches = 0;
neonConfig.fetchFunction = (input: RequestInfo | URL, init?: RequestInit) => {
  fetches++;
  return fetch(input, init);
};

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

interface Fixture {
  tenant: TenantContext;
  db: TenantDb;
  /** The superuser on the tenant's data tables, wherever its tier puts them. */
  at: LocationAdmin;
  /** 45 documents whose created_at differ only in microseconds, three per instant (pagination ties). */
  paged: string;
  /** A handful of documents for search and CSV/JSON escaping. */
  misc: string;
  /** More than one export page of documents. */
  bulk: string;
  titleHit: string;
  bodyHit: string;
}

const PAGED_DOCS = 45;
const BULK_DOCS = EXPORT_PAGE_SIZE + 50;
// A word no stemmer or stop list touches, unique to this run.
const WORD = `zephyr${crypto
  .randomUUID()
  .slice(0, 8)
  .replace(/[0-9-]/g, "q")}`;
const TRICKY_BODY = 'line one, with a comma\nline "two"\r\nline three,"quoted",\n\nend — ünïcode ✓';
// A bare CR is the one special character here: a writer that forgets it breaks the record.
const TRICKY_TITLE = "Tricky\rtitle";

async function makeTenant(plan: Plan, tier: IsolationTier): Promise<Fixture> {
  const slug = `tools-${crypto.randomUUID().slice(0, 12)}`;
  const [paged, misc, bulk, titleHit, bodyHit] = Array.from({ length: 5 }, () => crypto.randomUUID()) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const {
    id,
    placement: { data, admin: at },
  } = await createTenantOnTier(
    { slug, name: `Tenant ${slug}`, plan, rateLimitPerMinute: 60, keyName: "tools", defaultWorkspace: false },
    tier,
  );
  await at.transaction([
    {
      text: "insert into workspaces (tenant_id, id, name) values ($1, $2, 'Paged'), ($1, $3, 'Misc'), ($1, $4, 'Bulk')",
      params: [id, paged, misc, bulk],
    },
    {
      text: `insert into documents (tenant_id, workspace_id, title, body, created_at, updated_at)
       select $1, $2, 'Paged ' || g, repeat('x', g),
              timestamptz '2020-03-04 05:06:07.123456+00' + (g / 3) * interval '1 microsecond',
              timestamptz '2020-03-04 05:06:07.123456+00' + (g / 3) * interval '1 microsecond'
         from generate_series(1, $3) g`,
      params: [id, paged, PAGED_DOCS],
    },
    {
      text: `insert into documents (tenant_id, id, workspace_id, title, body) values
         ($1, $3, $2, $5, 'Steps for the rollout of the new storage layer.'),
         ($1, $4, $2, 'Weekly notes', 'We discussed the ' || $6 || ' rollout, and other things at length.'),
         ($1, gen_random_uuid(), $2, $8, $7)`,
      params: [id, misc, titleHit, bodyHit, `${capitalize(WORD)} migration plan`, WORD, TRICKY_BODY, TRICKY_TITLE],
    },
    {
      text: `insert into documents (tenant_id, workspace_id, title, body)
       select $1, $2, 'Bulk ' || g, 'bulk body ' || g from generate_series(1, $3) g`,
      params: [id, bulk, BULK_DOCS],
    },
  ]);
  const tenant: TenantContext = {
    id,
    slug,
    name: `Tenant ${slug}`,
    plan,
    features: effectiveFeatures(plan, [], []),
    rateLimitPerMinute: 60,
    status: "active",
    config: {},
    data,
    dataMoving: false,
  };
  return { tenant, db: tenantDataOf(tenant), at, paged, misc, bulk, titleHit, bodyHit };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface TestContext extends ToolContext {
  progressCalls: [number, number | undefined][];
  logLines: string[];
}

function ctxFor(f: Fixture, db: TenantDb = f.db): TestContext {
  const progressCalls: [number, number | undefined][] = [];
  const logLines: string[] = [];
  return {
    tenant: f.tenant,
    db,
    log: createLogger({}, (line) => logLines.push(line)),
    requestId: "req-test",
    signal: new AbortController().signal,
    progress: async (p, t) => {
      progressCalls.push([p, t]);
    },
    progressCalls,
    logLines,
    limits: { maxWorkspacesPerTenant: 100, dbTimeoutMs: 10_000 },
  };
}

const validators = new Map<string, Validator>();

/**
 * Parses and runs a tool the way a lane does, and checks what every data result must satisfy: structuredContent
 * valid against the outputSchema the `output_schemas` feature publishes, and the same JSON in a text block. Returns the result and the number
 * of Neon HTTP requests the handler made.
 */
async function call(name: string, args: unknown, ctx: ToolContext): Promise<{ result: ToolResult; requests: number }> {
  const tool = findTool(name) as Tool;
  const parsed = tool.parse(args);
  if (!parsed.success) throw new Error(`parse failed: ${parsed.error}`);
  const before = fetches;
  const result = await tool.handler(parsed.data, ctx);
  const requests = fetches - before;
  const { outputSchema } = tool.listing(true);
  if (!result.isError && outputSchema) {
    let v = validators.get(name);
    if (!v) validators.set(name, (v = new Validator(outputSchema as never, "2020-12", false)));
    const check = v.validate(result.structuredContent);
    expect(check.errors, JSON.stringify(check.errors.slice(0, 3))).toEqual([]);
    expect(check.valid).toBe(true);
    const texts = result.content.filter((c) => c.type === "text");
    expect(texts.map((t) => JSON.parse(t.text))).toContainEqual(result.structuredContent);
  }
  return { result, requests };
}

function data<T = Record<string, any>>(result: ToolResult): T {
  expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
  return result.structuredContent as T;
}

// ---------------------------------------------------------------------------------------------------------------

describe("registry", () => {
  const names = (plan: Plan, lane: "session" | "stateless" = "session"): string[] =>
    toolsFor(effectiveFeatures(plan, [], []), lane).list.map((t) => t.name);
  const CORE = [
    "list_workspaces",
    "create_workspace",
    "update_workspace",
    "list_documents",
    "get_document",
    "search_documents",
    "create_document",
    "update_document",
  ];

  it("gives exactly core / core+analytics / core+analytics+export per plan, in both lanes", () => {
    // delete_document asks the user to confirm: both lanes can ask (2026-07-28 multi round-trip; the session lane's
    // requests on the call's SSE stream, src/mcp/client-requests/).
    for (const [lane, core] of [
      ["session", [...CORE, "delete_document"]],
      ["stateless", [...CORE, "delete_document"]],
    ] as const) {
      expect(names("free", lane)).toEqual(core);
      expect(names("pro", lane)).toEqual([...core, "workspace_stats"]);
      expect(names("enterprise", lane)).toEqual([...core, "workspace_stats", "export_workspace"]);
    }
    const set = toolsFor(effectiveFeatures("free", ["bulk_export"], ["core"]), "session");
    expect(set.list.map((t) => t.name)).toEqual(["export_workspace"]);
    expect(set.byName.has("get_document")).toBe(false);
  });

  it("memoises per feature set and lane, whatever the set's insertion order", () => {
    const one = toolsFor(new Set(["core", "advanced_analytics"] as const), "session");
    const two = toolsFor(new Set(["advanced_analytics", "core"] as const), "session");
    expect(two).toBe(one);
    expect(toolsFor(new Set(["core", "advanced_analytics"] as const), "stateless")).not.toBe(one);
    expect(Object.isFrozen(one.list) && Object.isFrozen(one.list[0])).toBe(true);
  });

  it("publishes JSON Schemas (output schemas on request) and honest annotations", () => {
    const writers = new Set([
      "create_workspace",
      "update_workspace",
      "create_document",
      "update_document",
      "delete_document",
    ]);
    // The conformance fixtures mirror the suite's reference server, which publishes no output schemas.
    for (const tool of ALL_TOOLS.filter((t) => t.feature !== "conformance_fixtures")) {
      const listing = tool.listing(false);
      expect(listing.inputSchema.type).toBe("object");
      expect(listing.inputSchema).not.toHaveProperty("$schema");
      expect(listing, tool.name).not.toHaveProperty("outputSchema");
      expect(tool.listing(true).outputSchema?.type, tool.name).toBe("object");
      expect(listing.annotations).toBe(tool.annotations);
      expect(listing.annotations.openWorldHint).toBe(false);
      expect(listing.annotations.readOnlyHint).toBe(!writers.has(tool.name));
    }
    expect(findTool("update_document")?.annotations).toMatchObject({
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(findTool("create_document")?.annotations).toMatchObject({
      destructiveHint: false,
      idempotentHint: false,
    });
    expect(findTool("nope")).toBeUndefined();
  });

  it("rejects malformed ids in zod with a short message, before any request", () => {
    const before = fetches;
    for (const id of ["not-a-uuid", "1' or '1'='1", "", "00000000-0000-0000-0000-00000000000g"]) {
      const parsed = findTool("get_document")!.parse({ id });
      expect(parsed.success).toBe(false);
      if (!parsed.success) {
        expect(parsed.error).toMatch(/^Invalid arguments: id: /);
        expect(parsed.error.length).toBeLessThan(200);
      }
    }
    expect(findTool("list_documents")!.parse({ workspace_id: crypto.randomUUID(), limit: 101 }).success).toBe(false);
    expect(findTool("list_documents")!.parse({ workspace_id: crypto.randomUUID(), limit: 0 }).success).toBe(false);
    expect(findTool("update_document")!.parse({ id: crypto.randomUUID() })).toEqual({
      success: false,
      error: "Invalid arguments: Give title, body or both",
    });
    expect(fetches).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Every test from here runs against tenants on each isolation tier (their data where the tier puts it).

describe.each(TIERS)("a tenant on the %s tier", (tier) => {
  const lacks = tierLacks(tier);
  let A: Fixture;
  let B: Fixture;

  beforeAll(async () => {
    if (lacks) return;
    [A, B] = await Promise.all([makeTenant("enterprise", tier), makeTenant("enterprise", tier)]);
  });
  beforeEach((ctx) => {
    if (lacks) ctx.skip(lacks);
  });

  describe("core tools", () => {
    it("list_workspaces lists the caller's workspaces with counts", async () => {
      const { workspaces, truncated } = data((await call("list_workspaces", {}, ctxFor(A))).result) as {
        workspaces: { id: string; name: string; document_count: number }[];
        truncated: boolean;
      };
      expect(truncated).toBe(false);
      const byId = new Map(workspaces.map((w) => [w.id, w]));
      expect(new Set(byId.keys())).toEqual(new Set([A.paged, A.misc, A.bulk]));
      expect(byId.get(A.paged)?.document_count).toBe(PAGED_DOCS);
      expect(byId.get(A.bulk)?.document_count).toBe(BULK_DOCS);
    });

    it("list_documents walks every row exactly once, in (created_at desc, id asc) order, across tied timestamps", async () => {
      const expected = await A.at.query(
        "select id::text from documents where tenant_id = $1 and workspace_id = $2 order by created_at desc, id asc",
        [A.tenant.id, A.paged],
      );
      const seen: string[] = [];
      let cursor: string | null | undefined;
      let pages = 0;
      do {
        const args = { workspace_id: A.paged, limit: 7, ...(cursor ? { cursor } : {}) };
        const out = data((await call("list_documents", args, ctxFor(A))).result);
        expect(out.documents.length).toBeLessThanOrEqual(7);
        seen.push(...out.documents.map((d: { id: string }) => d.id));
        cursor = out.next_cursor;
        pages++;
      } while (cursor && pages < 20);
      expect(pages).toBe(Math.ceil(PAGED_DOCS / 7));
      expect(seen).toEqual(expected.map((r) => r.id));
    });

    it("list_documents defaults to 20 per page and reports the last page with next_cursor null", async () => {
      const first = data((await call("list_documents", { workspace_id: A.misc }, ctxFor(A))).result);
      expect(first.documents).toHaveLength(3);
      expect(first.next_cursor).toBeNull();
      const paged = data((await call("list_documents", { workspace_id: A.paged }, ctxFor(A))).result);
      expect(paged.documents).toHaveLength(20);
      expect(typeof paged.next_cursor).toBe("string");
    });

    it("list_documents answers a bad cursor with a domain error, whatever it holds", async () => {
      const forged = btoa(JSON.stringify(["1", "not-a-uuid"])).replace(/=+$/, "");
      for (const cursor of ["garbage!", forged, btoa("[]"), "", "e30"]) {
        const { result } = await call("list_documents", { workspace_id: A.paged, cursor }, ctxFor(A));
        expect(result).toEqual({
          isError: true,
          content: [{ type: "text", text: expect.stringMatching(/^Invalid cursor/) }],
        });
      }
      // A well-formed cursor that no page produced selects rows after that position and never breaks the query.
      const wellFormed = btoa(JSON.stringify(["99999999999999999", crypto.randomUUID()])).replace(/=+$/, "");
      const out = data(
        (await call("list_documents", { workspace_id: A.paged, cursor: wellFormed, limit: 100 }, ctxFor(A))).result,
      );
      expect(out.documents).toHaveLength(PAGED_DOCS);
    });

    it("get_document returns the whole document", async () => {
      const out = data((await call("get_document", { id: A.titleHit }, ctxFor(A))).result);
      expect(out.document).toMatchObject({
        id: A.titleHit,
        workspace_id: A.misc,
        title: `${capitalize(WORD)} migration plan`,
      });
      expect(out.document.size_bytes).toBe(new TextEncoder().encode(out.document.body).length);
    });

    it("search_documents ranks a title match above a body match, with a highlighted snippet", async () => {
      const out = data((await call("search_documents", { query: WORD }, ctxFor(A))).result);
      expect(out.results.map((r: { id: string }) => r.id)).toEqual([A.titleHit, A.bodyHit]);
      expect(out.results[0].rank).toBeGreaterThan(out.results[1].rank);
      expect(out.results[1].snippet).toContain(`**${WORD}**`);
      const inBulk = data((await call("search_documents", { query: WORD, workspace_id: A.bulk }, ctxFor(A))).result);
      expect(inBulk.results).toEqual([]);
    });

    it("search_documents takes any query text without a database error", async () => {
      for (const query of [`'); drop table documents; --`, '"unclosed', "-", "!!! & | :*", "the and of", "a OR"]) {
        const { result } = await call("search_documents", { query }, ctxFor(A));
        expect(result.isError ?? false).toBe(false);
      }
    });

    it("create_document and update_document write the caller's rows", async () => {
      const created = data(
        (await call("create_document", { workspace_id: A.misc, title: "New", body: "first" }, ctxFor(A))).result,
      );
      const id = created.document.id as string;
      expect(created.document).toMatchObject({ workspace_id: A.misc, title: "New", size_bytes: 5 });
      const [row] = await A.at.query("select tenant_id::text, body from documents where id = $1", [id]);
      expect(row).toEqual({ tenant_id: A.tenant.id, body: "first" });

      const updated = data((await call("update_document", { id, body: "second body" }, ctxFor(A))).result);
      expect(updated.document).toMatchObject({ id, title: "New", size_bytes: 11 });
      expect(Date.parse(updated.document.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.document.updated_at));
      const got = data((await call("get_document", { id }, ctxFor(A))).result);
      expect(got.document).toMatchObject({ title: "New", body: "second body" });
    });
  });

  describe("tenant isolation", () => {
    const bytes = (r: ToolResult): string => JSON.stringify(r);

    it("another tenant's id and no such id give byte-identical results", async () => {
      const random = crypto.randomUUID();
      const pairs: [string, Record<string, unknown>, Record<string, unknown>][] = [
        ["get_document", { id: A.titleHit }, { id: random }],
        ["update_document", { id: A.titleHit, title: "pwned" }, { id: random, title: "pwned" }],
        ["list_documents", { workspace_id: A.paged }, { workspace_id: random }],
        ["search_documents", { query: WORD, workspace_id: A.misc }, { query: WORD, workspace_id: random }],
        [
          "create_document",
          { workspace_id: A.misc, title: "x", body: "y" },
          { workspace_id: random, title: "x", body: "y" },
        ],
        ["workspace_stats", { workspace_id: A.paged }, { workspace_id: random }],
        ["export_workspace", { workspace_id: A.bulk }, { workspace_id: random }],
      ];
      for (const [name, theirs, nobodys] of pairs) {
        const r1 = (await call(name, theirs, ctxFor(B))).result;
        const r2 = (await call(name, nobodys, ctxFor(B))).result;
        expect(r1.isError, name).toBe(true);
        expect(bytes(r1), name).toBe(bytes(r2));
      }
    });

    it("B's update of A's document changes nothing, and B's search finds only B's rows", async () => {
      const snapshot = "select title, body, updated_at::text from documents where id = $1";
      const before = await A.at.query(snapshot, [A.bodyHit]);
      await call("update_document", { id: A.bodyHit, title: "pwned", body: "pwned" }, ctxFor(B));
      expect(await A.at.query(snapshot, [A.bodyHit])).toEqual(before);
      // Both tenants hold the same matching documents: each finds only its own.
      const found = data((await call("search_documents", { query: WORD }, ctxFor(B))).result);
      expect(found.results.map((r: { id: string }) => r.id)).toEqual([B.titleHit, B.bodyHit]);
    });

    it("an unscoped select through a TenantDb returns only the caller's rows", async () => {
      const rows = await A.db.query<{ tenant_id: string }>("select * from documents");
      const [expected] = await A.at.query("select count(*)::int as n from documents where tenant_id = $1", [
        A.tenant.id,
      ]);
      expect(rows).toHaveLength(expected?.n as number);
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([A.tenant.id]));
    });

    it("tools answer in one Neon HTTP request (this isolate's fetches and the local cloud's counters)", async () => {
      const stats = async (): Promise<Record<string, number>> => (await fetch(cloud.statsUrl)).json();
      const calls: [string, Record<string, unknown>][] = [
        ["list_workspaces", {}],
        ["list_documents", { workspace_id: A.paged, limit: 5 }],
        ["get_document", { id: A.titleHit }],
        ["search_documents", { query: WORD, workspace_id: A.misc }],
        ["create_document", { workspace_id: A.bulk, title: "counted", body: "" }],
        ["update_document", { id: A.titleHit, body: "Steps for the rollout of the new storage layer." }],
        ["workspace_stats", { days: 7 }],
      ];
      for (const [name, args] of calls) {
        // Other test files share the counters: the least delta over a few tries is this call's own cost.
        let least = Infinity;
        for (let attempt = 0; attempt < 5 && least > 1; attempt++) {
          const s0 = await stats();
          const { requests } = await call(name, args, ctxFor(A));
          const s1 = await stats();
          expect(requests, name).toBe(1);
          const delta = (k: string): number => (s1[k] ?? 0) - (s0[k] ?? 0);
          least = Math.min(least, delta("neon_http_transaction") + delta("neon_http_query"));
        }
        expect(least, name).toBe(1);
      }
    });
  });

  describe("advanced_analytics", () => {
    it("workspace_stats reports counts, sizes and a full daily window", async () => {
      const out = data((await call("workspace_stats", { days: 7 }, ctxFor(A))).result);
      const [expected] = await A.at.query(
        `select count(*)::int as n, sum(octet_length(body))::int as bytes,
                count(*) filter (where created_at >= (now() at time zone 'UTC')::date::timestamp at time zone 'UTC' - interval '6 days')::int as recent,
                to_char(now() at time zone 'UTC', 'YYYY-MM-DD') as today
           from documents where tenant_id = $1`,
        [A.tenant.id],
      );
      expect(out.totals).toMatchObject({
        workspace_count: 3,
        document_count: expected?.n,
        total_bytes: expected?.bytes,
      });
      expect(out.totals.avg_bytes).toBe(Math.round((expected?.bytes as number) / (expected?.n as number)));
      const paged = out.workspaces.find((w: { workspace_id: string }) => w.workspace_id === A.paged);
      expect(paged).toMatchObject({
        name: "Paged",
        document_count: PAGED_DOCS,
        total_bytes: (PAGED_DOCS * (PAGED_DOCS + 1)) / 2,
      });
      expect(out.activity).toHaveLength(7);
      expect(out.activity.at(-1).date).toBe(expected?.today);
      const dates = out.activity.map((d: { date: string }) => Date.parse(d.date));
      expect(dates.slice(1).map((d: number, i: number) => d - dates[i])).toEqual(Array(6).fill(86_400_000));
      expect(out.activity.reduce((n: number, d: { created: number }) => n + d.created, 0)).toBe(expected?.recent);
    });

    it("workspace_stats narrows to one workspace and defaults to 30 days", async () => {
      const out = data((await call("workspace_stats", { workspace_id: A.paged }, ctxFor(A))).result);
      expect(out.workspaces).toHaveLength(1);
      expect(out.totals.document_count).toBe(PAGED_DOCS);
      expect(out.activity).toHaveLength(30);
      // Created in 2020: nothing in the window.
      expect(out.activity.every((d: { created: number }) => d.created === 0)).toBe(true);
    });
  });

  describe("bulk_export", () => {
    async function expectedRows(workspaceId: string): Promise<Record<string, string>[]> {
      const rows = await A.at.query(
        "select id::text, workspace_id::text, title, body, created_at, updated_at from documents where workspace_id = $1",
        [workspaceId],
      );
      return rows
        .map((r) => ({
          ...r,
          created_at: (r.created_at as Date).toISOString(),
          updated_at: (r.updated_at as Date).toISOString(),
        }))
        .sort(byId) as Record<string, string>[];
    }
    const byId = (x: Record<string, unknown>, y: Record<string, unknown>): number =>
      String(x.id).localeCompare(String(y.id));

    function resourceOf(result: ToolResult): { uri: string; mimeType?: string; text: string } {
      const block = result.content.find((c) => c.type === "resource");
      if (!block || !("text" in block.resource)) throw new Error("no embedded text resource");
      return block.resource;
    }

    it("exports jsonl over several pages, sending progress, and parses back to the rows", async () => {
      const ctx = ctxFor(A);
      const { result, requests } = await call("export_workspace", { workspace_id: A.bulk, format: "jsonl" }, ctx);
      const out = data(result);
      const expected = await expectedRows(A.bulk);
      const resource = resourceOf(result);
      expect(resource).toMatchObject({ uri: out.uri, mimeType: "application/jsonl" });
      const lines = resource.text.split("\n");
      expect(lines.pop()).toBe("");
      const parsed = lines.map((l) => JSON.parse(l)).sort(byId);
      expect(parsed).toEqual(expected);
      expect(out.document_count).toBe(expected.length);
      expect(out.bytes).toBe(new TextEncoder().encode(resource.text).length);
      expect(requests).toBe(Math.ceil((expected.length + 1) / EXPORT_PAGE_SIZE));
      expect(ctx.progressCalls.length).toBe(requests);
      expect(ctx.progressCalls.at(-1)).toEqual([expected.length, expected.length]);
      const done = ctx.progressCalls.map(([p]) => p);
      expect(done).toEqual([...done].sort((x, y) => x - y));
    });

    it("exports csv with RFC 4180 escaping of commas, quotes and newlines", async () => {
      const { result } = await call("export_workspace", { workspace_id: A.misc, format: "csv" }, ctxFor(A));
      const resource = resourceOf(result);
      expect(resource.mimeType).toBe("text/csv");
      const [header, ...records] = parseCsv(resource.text);
      expect(header).toEqual([...EXPORT_COLUMNS]);
      const rows = records.map((r) => Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, r[i]]))).sort(byId);
      const expected = await expectedRows(A.misc);
      expect(rows).toEqual(expected);
      expect(rows.some((r) => r.body === TRICKY_BODY && r.title === TRICKY_TITLE)).toBe(true);
    });

    it("an empty workspace exports just the header", async () => {
      const ws = crypto.randomUUID();
      await B.at.query("insert into workspaces (tenant_id, id, name) values ($1, $2, 'Empty')", [B.tenant.id, ws]);
      const ctx = ctxFor(B);
      const { result } = await call("export_workspace", { workspace_id: ws, format: "csv" }, ctx);
      expect(resourceOf(result).text).toBe(`${EXPORT_COLUMNS.join(",")}\r\n`);
      expect(ctx.progressCalls).toEqual([[0, 0]]);
    });
  });

  describe("failures", () => {
    it("a database error becomes a short isError result without SQL, and the detail goes to the log", async () => {
      const failing = (err: Error): TenantDb => ({
        query: () => Promise.reject(err),
        batch: () => Promise.reject(err),
      });
      const secret = new TenantDbError('syntax error at or near "select secret_column"', "query", "42601", null);
      const ctx = ctxFor(A, failing(secret));
      const { result } = await call("get_document", { id: A.titleHit }, ctx);
      expect(result).toEqual({
        isError: true,
        content: [{ type: "text", text: "Internal error (request req-test)." }],
      });
      expect(ctx.logLines.join("\n")).toContain("secret_column");

      const down = ctxFor(A, failing(new TenantDbError("fetch failed", "unavailable", undefined, null)));
      const r2 = (await call("list_workspaces", {}, down)).result;
      expect(r2.isError).toBe(true);
      expect(JSON.stringify(r2)).toMatch(/database is unavailable/);
    });
  });

  describe("resources and prompts", () => {
    it("lists the document template, the usage resource and recent documents for core tenants only", async () => {
      expect(resourceTemplatesFor(A.tenant.features).map((t) => t.uriTemplate)).toEqual([
        "tenant-mcp://documents/{id}",
      ]);
      expect(resourceTemplatesFor(new Set(["bulk_export"] as const))).toEqual([]);
      const listed = await listResources(ctxFor(A));
      if (!listed.ok) throw new Error(listed.message);
      // The tenant's own usage first, then its most recent documents.
      const [usage, ...documents] = listed.resources;
      expect(usage).toMatchObject({ uri: "tenant://usage", mimeType: "application/json" });
      expect(documents.length).toBeGreaterThan(0);
      expect(documents.length).toBeLessThanOrEqual(50);
      expect(
        documents.every((r) => r.uri.startsWith("tenant-mcp://documents/") && r.mimeType === "text/markdown"),
      ).toBe(true);
    });

    it("reads a document as markdown; another tenant's, a random or a malformed URI are all not found", async () => {
      const read = await readResource(documentUri(A.titleHit), ctxFor(A));
      if (!read.ok) throw new Error(read.message);
      expect(read.result.contents).toEqual([
        {
          uri: documentUri(A.titleHit),
          mimeType: "text/markdown",
          text: expect.stringMatching(new RegExp(`^# ${capitalize(WORD)} migration plan\\n\\n`)),
        },
      ]);
      const others = [
        await readResource(documentUri(A.titleHit), ctxFor(B)),
        await readResource(documentUri(crypto.randomUUID()), ctxFor(B)),
        await readResource(documentUri("not-a-uuid"), ctxFor(B)),
        await readResource("tenant-mcp://documents/", ctxFor(B)),
        await readResource("https://example.com/x", ctxFor(B)),
      ];
      for (const outcome of others)
        expect(outcome).toEqual({ ok: false, error: "not_found", message: "Resource not found" });
    });

    it("summarize_workspace builds its messages from the workspace's titles and snippets", async () => {
      expect(promptsFor(A.tenant.features, "session")).toEqual([
        {
          name: "summarize_workspace",
          title: "Summarize a workspace",
          description: expect.any(String),
          arguments: [{ name: "workspace_id", description: expect.any(String), required: true }],
        },
      ]);
      const got = await getPrompt("summarize_workspace", { workspace_id: A.misc }, ctxFor(A), "session");
      if (!got.ok) throw new Error(got.message);
      const content = got.result.messages[0]?.content;
      const text = content?.type === "text" ? content.text : "";
      expect(got.result.messages).toHaveLength(1);
      expect(text).toContain('"Misc"');
      expect(text).toContain(`${capitalize(WORD)} migration plan`);
      expect(text).toContain("<documents>");

      const theirs = await getPrompt("summarize_workspace", { workspace_id: A.misc }, ctxFor(B), "session");
      const nobodys = await getPrompt(
        "summarize_workspace",
        { workspace_id: crypto.randomUUID() },
        ctxFor(B),
        "session",
      );
      expect(theirs).toEqual({ ok: false, error: "not_found", message: "Workspace not found." });
      expect(JSON.stringify(nobodys)).toBe(JSON.stringify(theirs));
      expect(await getPrompt("summarize_workspace", { workspace_id: "x" }, ctxFor(A), "session")).toMatchObject({
        error: "invalid_arguments",
      });
      expect(await getPrompt("nope", {}, ctxFor(A), "session")).toMatchObject({ error: "unknown_prompt" });
    });
  });
});

/**
 * Strict RFC 4180 parser: quoted fields may hold commas, doubled quotes and line breaks; unquoted ones may not hold
 * CR or LF; records end with CRLF.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"') {
      quoted = true;
      i++;
    } else if (ch === ",") {
      record.push(field);
      field = "";
      i++;
    } else if (ch === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += 2;
    } else if (ch === "\r" || ch === "\n") {
      throw new Error(`unquoted line break in field ${JSON.stringify(field)}`);
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== "" || record.length > 0) throw new Error("csv does not end with CRLF");
  return records;
}
