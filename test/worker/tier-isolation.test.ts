// Isolation across tiers, from the attacker's side: a tenant on one isolation tier (docs/isolation.md) naming the ids
// of tenants on the other tiers, through every tool, resource and prompt, over /mcp with its API key in both lanes,
// gets exactly the answer of an id that exists nowhere, and changes nothing; a deliberately unscoped query through the
// Worker's data path returns only the caller's rows on every tier; /healthz/tenant probes the tenant's own location.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { IsolationTier } from "../../src/tenancy/tenant.ts";
import { admin, connectClient, createTenant, type TestTenant } from "./support/fixtures.ts";
import { postStateless, replyOf, statelessMessage } from "./support/stateless.ts";
import { TIERS, tenantDataOf, tierLacks } from "./support/tiers.ts";

/** The tiers this run can place a tenant on (a dedicated database needs a PostgreSQL server). */
const AVAILABLE = TIERS.filter((t) => !tierLacks(t));
const tenants = new Map<IsolationTier, TestTenant>();

beforeAll(async () => {
  const made = await Promise.all(AVAILABLE.map((tier) => createTenant("enterprise", { tier })));
  AVAILABLE.forEach((tier, i) => tenants.set(tier, made[i] as TestTenant));
});

const of = (tier: IsolationTier): TestTenant => tenants.get(tier) as TestTenant;

/** Every call that names a document or workspace id, built for the victim's ids (or made-up ones). */
function probes(ids: { document: string; workspace: string }): [string, string, Record<string, unknown>][] {
  const { document: d, workspace: w } = ids;
  return [
    ["tools/call", "get_document", { id: d }],
    ["tools/call", "update_document", { id: d, title: "pwned", body: "pwned" }],
    ["tools/call", "list_documents", { workspace_id: w }],
    ["tools/call", "search_documents", { query: "Quarterly report", workspace_id: w }],
    ["tools/call", "create_document", { workspace_id: w, title: "planted", body: "planted" }],
    ["tools/call", "update_workspace", { id: w, name: "pwned", archived: true }],
    ["tools/call", "workspace_stats", { workspace_id: w }],
    ["tools/call", "export_workspace", { workspace_id: w, format: "jsonl" }],
    ["resources/read", `tenant-mcp://documents/${d}`, {}],
    ["prompts/get", "summarize_workspace", { workspace_id: w }],
  ];
}

/** One probe on the session lane (v1 SDK client); the reply, or the JSON-RPC error, as JSON with ids masked. */
async function sessionProbe(
  client: Awaited<ReturnType<typeof connectClient>>["client"],
  [method, name, args]: [string, string, Record<string, unknown>],
): Promise<unknown> {
  try {
    if (method === "tools/call") return await client.callTool({ name, arguments: args });
    if (method === "resources/read") return await client.readResource({ uri: name });
    return await client.getPrompt({ name, arguments: args as Record<string, string> });
  } catch (err) {
    return { thrown: (err as { code?: number }).code, message: (err as Error).message };
  }
}

/** One probe on the 2026-07-28 lane (raw stateless message, elicitation declared so delete_document may ask). */
async function statelessProbe(apiKey: string, [method, name, args]: [string, string, Record<string, unknown>]) {
  const params = method === "resources/read" ? { uri: name } : { name, arguments: args };
  const res = await postStateless(statelessMessage(method, params, { capabilities: { elicitation: { form: {} } } }), {
    authorization: `Bearer ${apiKey}`,
  });
  const reply = await replyOf(res);
  return { status: res.status, result: reply.result, error: reply.error };
}

function masked(value: unknown, ids: { document: string; workspace: string }): string {
  return JSON.stringify(value).replaceAll(ids.document, "<doc>").replaceAll(ids.workspace, "<ws>");
}

describe.each(TIERS)("an attacker on the %s tier", (attackerTier) => {
  it("naming other tiers' ids through every tool, resource and prompt gets the answer of no such id (both lanes)", async (ctx) => {
    const lacks = tierLacks(attackerTier);
    if (lacks) return ctx.skip(lacks);
    const attacker = of(attackerTier);
    const victims = AVAILABLE.filter((t) => t !== attackerTier).map(of);
    const { client } = await connectClient(attacker.apiKey);
    for (const victim of victims) {
      const theirs = { document: victim.documentIds[0] as string, workspace: victim.workspaceId };
      const nobodys = { document: crypto.randomUUID(), workspace: crypto.randomUUID() };
      const stolen = probes(theirs);
      const missing = probes(nobodys);
      const statelessOnly: [string, string, Record<string, unknown>][] = [
        ["tools/call", "delete_document", { id: theirs.document }],
      ];
      for (const [i, probe] of stolen.entries()) {
        const label = `${probe[1]} on ${victim.placement.tier}`;
        const one = await sessionProbe(client, probe);
        const two = await sessionProbe(client, missing[i] as (typeof stolen)[number]);
        expect(masked(one, theirs), label).toBe(masked(two, nobodys));
        expect(JSON.stringify(one), label).toMatch(/isError|not found|thrown/i);
      }
      for (const [i, probe] of [...stolen, ...statelessOnly].entries()) {
        const label = `stateless ${probe[1]} on ${victim.placement.tier}`;
        const other =
          i < missing.length
            ? (missing[i] as (typeof stolen)[number])
            : (["tools/call", "delete_document", { id: nobodys.document }] as (typeof stolen)[number]);
        const one = await statelessProbe(attacker.apiKey, probe);
        const two = await statelessProbe(attacker.apiKey, other);
        expect(masked(one, theirs), label).toBe(masked(two, nobodys));
        expect(one.status, label).toBe(200);
      }
    }
    await client.close();

    // Nothing changed where the victims' data lives, and nothing was planted in the attacker's.
    for (const victim of victims) {
      const docs = await victim.placement.admin.query<{ title: string }>(
        "select title from documents where tenant_id = $1 order by title",
        [victim.id],
      );
      expect(docs.map((d) => d.title)).toEqual(["Incident review", "Onboarding checklist", "Quarterly report"]);
      const [ws] = await victim.placement.admin.query("select name, archived_at from workspaces where id = $1", [
        victim.workspaceId,
      ]);
      expect(ws).toEqual({ name: "Main", archived_at: null });
    }
    const planted = await attacker.placement.admin.query("select id from documents where title = 'planted'");
    expect(planted).toEqual([]);
  });

  it("a deliberately unscoped query through the Worker's data path returns only the caller's rows", async (ctx) => {
    const lacks = tierLacks(attackerTier);
    if (lacks) return ctx.skip(lacks);
    const attacker = of(attackerTier);
    const db = tenantDataOf({ id: attacker.id, data: attacker.placement.data });
    const docs = await db.query<{ tenant_id: string; id: string }>("select * from documents", [], { readOnly: true });
    expect(docs.map((d) => d.id).sort()).toEqual([...attacker.documentIds].sort());
    const spaces = await db.query<{ id: string }>("select * from workspaces", [], { readOnly: true });
    expect(spaces.map((w) => w.id)).toEqual([attacker.workspaceId]);

    // Naming another location outright: the shared tables and every tenant schema of the main database. There the
    // Worker's role may use them all (row-level security, not the schema, keeps other rows out); from a dedicated
    // database they do not exist (its public tables are the tenant's own).
    const elsewhere = ["public.documents", "public.workspaces"];
    for (const t of AVAILABLE.map(of)) {
      if (t.placement.data.isolation === "schema") elsewhere.push(`${t.placement.data.schema}.documents`);
    }
    for (const table of elsewhere) {
      const rows = await db
        .query<{ tenant_id: string }>(`select tenant_id::text from ${table}`, [], { readOnly: true })
        .catch((err: unknown) => {
          expect(attackerTier, table).toBe("database");
          expect(err).toMatchObject({ code: "42P01" });
          return [];
        });
      const foreign = rows.filter((r) => r.tenant_id !== attacker.id);
      expect(foreign, table).toEqual([]);
    }
    const others = AVAILABLE.filter((t) => t !== attackerTier).map((t) => of(t).id);
    const named = await db.query("select id from documents where tenant_id = any($1::uuid[])", [others], {
      readOnly: true,
    });
    expect(named).toEqual([]);
  });

  it("/healthz/tenant probes the tenant's own location and answers ok", async (ctx) => {
    const lacks = tierLacks(attackerTier);
    if (lacks) return ctx.skip(lacks);
    const t = of(attackerTier);
    const res = await SELF.fetch("http://tenant-mcp.test/healthz/tenant", {
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    expect(await res.json()).toEqual({
      status: "ok",
      tenant: t.slug,
      checks: { tenant: "active", database: "ok", rate_limit: "ok" },
    });
  });
});

describe("/healthz/tenant on the schema tier", () => {
  it("fails for exactly the tenant whose schema the Worker cannot use, and no other", async () => {
    const broken = await createTenant("free", { tier: "schema" });
    const fine = of("schema");
    const schema = broken.placement.data.isolation === "schema" ? broken.placement.data.schema : "";
    const probe = (apiKey: string): Promise<Response> =>
      SELF.fetch("http://tenant-mcp.test/healthz/tenant", { headers: { authorization: `Bearer ${apiKey}` } });
    await admin.query(`revoke usage on schema ${schema} from tenant_mcp_app`);
    try {
      const res = await probe(broken.apiKey);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: "database", checks: { database: "unavailable" } });
      expect((await probe(fine.apiKey)).status).toBe(200);
      expect((await probe(of("shared").apiKey)).status).toBe(200);
    } finally {
      await admin.query(`grant usage on schema ${schema} to tenant_mcp_app`);
    }
    expect((await probe(broken.apiKey)).status).toBe(200);
  });
});
