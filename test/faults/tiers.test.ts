// Faults stay per tenant across isolation tiers (docs/isolation.md): a tenant's dedicated database that is down, failing
// or never answering (the local cloud's fault limited to that database) fails that tenant's calls only, with isError and
// a short safe message (and 503 from /healthz/tenant); tenants on the shared tier, on a schema of their own and on
// another dedicated database are served as usual, in both lanes, even while its calls hang.
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { cloud, connectClient, createTenant, type TestTenant } from "../worker/support/fixtures.ts";
import { postStateless, replyOf, statelessMessage } from "../worker/support/stateless.ts";
import { cloudLacks } from "../support/servers.ts";
import { clearFaultsAfterEach, faultHits, injectFaults, INJECTED_DETAIL, timed } from "./support/faults.ts";

clearFaultsAfterEach();

const DB_TIMEOUT_MS = Number(env.DB_TIMEOUT_MS);
/** Generous slack on top of a timeout (a busy 2-core CI machine), far below a hang. */
const MARGIN_MS = 1500;
const UNAVAILABLE = "The database is unavailable; try again shortly.";
const lacks = cloudLacks(cloud, "postgres");

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: unknown };
interface Subject {
  tenant: TestTenant;
  client: Client;
}

let down: Subject;
let others: Subject[];

beforeAll(async () => {
  if (lacks) return;
  const made = await Promise.all(
    (["database", "shared", "schema", "database"] as const).map((tier) => createTenant("pro", { tier })),
  );
  const subjects = await Promise.all(
    made.map(async (tenant) => ({ tenant, client: (await connectClient(tenant.apiKey)).client })),
  );
  [down, ...others] = subjects as [Subject, ...Subject[]];
});

const sessionCall = (s: Subject, name: string, args: Record<string, unknown>): Promise<ToolResult> =>
  s.client.callTool({ name, arguments: args }) as Promise<ToolResult>;

async function statelessCall(s: Subject, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const res = await postStateless(statelessMessage("tools/call", { name, arguments: args }), {
    authorization: `Bearer ${s.tenant.apiKey}`,
  });
  expect(res.status).toBe(200);
  return (await replyOf(res)).result as ToolResult;
}

/** A read and a write of the subject's own data, in both lanes. */
async function workload(s: Subject): Promise<ToolResult[]> {
  const read = { id: s.tenant.documentIds[0] };
  const write = { workspace_id: s.tenant.workspaceId, title: `during fault ${crypto.randomUUID()}`, body: "x" };
  return Promise.all([
    sessionCall(s, "get_document", read),
    sessionCall(s, "create_document", write),
    statelessCall(s, "get_document", read),
    statelessCall(s, "create_document", { ...write, title: `${write.title} 2` }),
  ]);
}

function expectServed(results: ToolResult[], who: string): void {
  for (const r of results) expect(r.isError ?? false, `${who}: ${JSON.stringify(r.content)}`).toBe(false);
}

function expectSafeFailure(results: ToolResult[]): void {
  for (const r of results) {
    expect(r.isError).toBe(true);
    expect(r.content).toEqual([{ type: "text", text: UNAVAILABLE }]);
    expect(JSON.stringify(r)).not.toMatch(new RegExp(`${INJECTED_DETAIL}|tmcp|postgres://|select`, "i"));
  }
}

const probe = (s: Subject): Promise<Response> =>
  SELF.fetch("http://tenant-mcp.test/healthz/tenant", { headers: { authorization: `Bearer ${s.tenant.apiKey}` } });

describe.each<[string, "refuse" | "error" | "drop"]>([
  ["refuses connections", "refuse"],
  ["answers with an error", "error"],
  ["never answers", "drop"],
])("when a tenant's dedicated database %s", (_name, mode) => {
  it("that tenant's calls fail safely within the timeout, and every other tier's tenants are served meanwhile", async (ctx) => {
    if (lacks) return ctx.skip(lacks);
    // Before: everyone is served.
    for (const s of [down, ...others]) expectServed(await workload(s), s.tenant.placement.tier);

    await injectFaults({ postgres: { mode, database: down.tenant.placement.database } });
    // The failing tenant's calls start first and, when the database never answers, hang while the others run.
    const failing = timed(() => workload(down));
    const served = await timed(() => Promise.all(others.map(workload)));
    served.value.forEach((results, i) => expectServed(results, (others[i] as Subject).tenant.placement.tier));
    // Served at their usual pace, not after the failing tenant's timeout.
    expect(served.ms).toBeLessThan(DB_TIMEOUT_MS);
    const { value, ms } = await failing;
    expectSafeFailure(value);
    expect(ms).toBeLessThan(DB_TIMEOUT_MS + MARGIN_MS);
    expect(await faultHits("postgres", mode)).toBeGreaterThanOrEqual(4);

    // /healthz/tenant probes each tenant's own location: 503 for this one only.
    const health = await probe(down);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "database", checks: { database: "unavailable" } });
    for (const s of others) expect((await probe(s)).status, s.tenant.placement.tier).toBe(200);
  }, 20_000);
});

describe("after the dedicated database is back", () => {
  it("its tenant is served again, on the same session, with nothing half-written", async (ctx) => {
    if (lacks) return ctx.skip(lacks);
    const title = `while down ${crypto.randomUUID()}`;
    await injectFaults({ postgres: { mode: "refuse", database: down.tenant.placement.database } });
    expectSafeFailure([
      await sessionCall(down, "create_document", { workspace_id: down.tenant.workspaceId, title, body: "x" }),
    ]);
    await injectFaults({ postgres: null });
    expectServed(await workload(down), "database");
    expect(await down.tenant.placement.admin.query("select id from documents where title = $1", [title])).toEqual([]);
    expect((await probe(down)).status).toBe(200);
  });
});
