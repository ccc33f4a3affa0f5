// The monthly quota of tool calls: exactly the quota's calls are served in a calendar month (UTC), then 429 that says
// it is the monthly quota and when it resets; listing, reading and initialize stay allowed; 80% and 100% put a warning
// header on the tenant's responses; a new month starts at zero; tenants are independent; a refused call is not counted.
import { describe, expect, it } from "vitest";
import { updateTenant } from "../../src/control/tenants.ts";
import { quotaStandings } from "../../src/control/quota.ts";
import { createLogger } from "../../src/log/logger.ts";
import { judgeQuota, startQuotaCount, type MeterDeps } from "../../src/quota/meter.ts";
import { monthlyQuotaOf, PLAN_MONTHLY_QUOTA } from "../../src/quota/plans.ts";
import { quotaKey } from "../../src/redis/keys.ts";
import { adminTenant, deps, fetchSettled, settledStatelessCall } from "./admin-support.ts";
import { MCP_URL, shards } from "./support/fixtures.ts";
import { statelessMessage } from "./support/stateless.ts";

/** A tenant whose own monthly quota is `quota`, with a per-minute limit no test reaches unless it says so. */
async function tenantWithQuota(
  quota: number,
  rateLimitPerMinute = 1000,
): Promise<{ id: string; slug: string; apiKey: string }> {
  const t = await adminTenant("free", { rateLimitPerMinute });
  await updateTenant(deps, t.slug, { monthlyQuota: quota });
  return t;
}

/** A 2026-07-28 request of another method (tools/list), settled. */
function statelessRequest(apiKey: string, method: string): Promise<Response> {
  return fetchSettled(MCP_URL, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
    },
    body: JSON.stringify(statelessMessage(method, {})),
  });
}

const thisMonth = (): string => new Date().toISOString().slice(0, 7);

describe("monthly quota", () => {
  it("serves exactly the quota's tool calls, then 429 naming the monthly quota and its reset; listing still works", async () => {
    const t = await tenantWithQuota(3);
    for (let i = 0; i < 3; i++) {
      const res = await settledStatelessCall(t.apiKey, "list_workspaces", {});
      expect(res.status).toBe(200);
    }
    const over = await settledStatelessCall(t.apiKey, "list_workspaces", {});
    expect(over.status).toBe(429);
    const body = (await over.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.message).toMatch(
      /^Monthly tool-call quota exhausted: all 3 calls of \d{4}-\d{2} \(UTC\) are used/,
    );
    const next = new Date();
    const resetsAt = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1)).toISOString();
    expect(body.error.data).toEqual({ quota: "monthly", limit: 3, used: 3, month: thisMonth(), resetsAt });
    expect(over.headers.get("x-monthly-quota-limit")).toBe("3");
    expect(over.headers.get("x-monthly-quota-remaining")).toBe("0");
    expect(over.headers.get("x-monthly-quota-reset")).toBe(resetsAt);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    // Not the per-minute limit's answer.
    expect(body.error.message).not.toMatch(/Rate limit/);

    const list = await statelessRequest(t.apiKey, "tools/list");
    expect(list.status).toBe(200);
    expect(list.headers.get("x-monthly-quota-warning")).toBe(
      `100% of the monthly quota of 3 tool calls used (3); resets ${resetsAt}`,
    );
    // The refused calls were not counted: the count is of calls served.
    expect(Number(await shards.forTenant(t.id).get(quotaKey(t.id, thisMonth())))).toBe(3);
  });

  it("warns from 80% on, on every response of the tenant", async () => {
    const t = await tenantWithQuota(5);
    for (let i = 0; i < 3; i++) {
      const res = await settledStatelessCall(t.apiKey, "list_workspaces", {});
      expect(res.headers.get("x-monthly-quota-warning")).toBeNull();
    }
    const fourth = await settledStatelessCall(t.apiKey, "list_workspaces", {});
    expect(fourth.headers.get("x-monthly-quota-warning")).toMatch(
      /^80% of the monthly quota of 5 tool calls used \(4\)/,
    );
    const list = await statelessRequest(t.apiKey, "tools/list");
    expect(list.headers.get("x-monthly-quota-warning")).toMatch(/^80% /);
    const fifth = await settledStatelessCall(t.apiKey, "list_workspaces", {});
    expect(fifth.status).toBe(200);
    expect(fifth.headers.get("x-monthly-quota-warning")).toMatch(/^100% /);
  });

  it("session lane: initialize and tools/list work over the quota, tools/call gets the quota's 429", async () => {
    const t = await tenantWithQuota(0);
    const init = await fetchSettled(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${t.apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "q", version: "1" } },
      }),
    });
    expect(init.status).toBe(200);
    const session = init.headers.get("mcp-session-id") as string;
    const sessionPost = (message: unknown): Promise<Response> =>
      fetchSettled(MCP_URL, {
        method: "POST",
        headers: {
          authorization: `Bearer ${t.apiKey}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-session-id": session,
          "mcp-protocol-version": "2025-11-25",
        },
        body: JSON.stringify(message),
      });
    expect((await sessionPost({ jsonrpc: "2.0", id: 2, method: "tools/list" })).status).toBe(200);
    const call = await sessionPost({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "list_workspaces", arguments: {} },
    });
    expect(call.status).toBe(429);
    expect(((await call.json()) as { error: { message: string } }).error.message).toMatch(/^Monthly tool-call quota/);
  });

  it("tenants are independent: one over its quota leaves another's calls alone", async () => {
    const [a, b] = await Promise.all([tenantWithQuota(1), tenantWithQuota(1)]);
    expect((await settledStatelessCall(a.apiKey, "list_workspaces", {})).status).toBe(200);
    expect((await settledStatelessCall(a.apiKey, "list_workspaces", {})).status).toBe(429);
    expect((await settledStatelessCall(b.apiKey, "list_workspaces", {})).status).toBe(200);
  });

  it("a call refused by the per-minute limit is not counted against the month", async () => {
    const t = await tenantWithQuota(100, 2);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await settledStatelessCall(t.apiKey, "list_workspaces", {})).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(Number(await shards.forTenant(t.id).get(quotaKey(t.id, thisMonth())))).toBe(2);
  });

  it("a confirmed delete_document counts once: the round trip that asks the user is not a call", async () => {
    const t = await tenantWithQuota(100);
    const workspace = await settledStatelessCall(t.apiKey, "list_workspaces", {});
    const wsId = ((await workspace.json()) as any).result.structuredContent.workspaces[0].id as string;
    const created = (await (
      await settledStatelessCall(t.apiKey, "create_document", { workspace_id: wsId, title: "Doomed", body: "x" })
    ).json()) as any;
    const id = created.result.structuredContent.document.id as string;
    const deleteCall = async (retry: Record<string, unknown> = {}): Promise<any> => {
      const res = await fetchSettled(MCP_URL, {
        method: "POST",
        headers: {
          authorization: `Bearer ${t.apiKey}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "delete_document",
        },
        body: JSON.stringify(
          statelessMessage(
            "tools/call",
            { name: "delete_document", arguments: { id }, ...retry },
            { capabilities: { elicitation: { form: {} } } },
          ),
        ),
      });
      return res.json();
    };
    const asked = await deleteCall();
    expect(asked.result.resultType).toBe("input_required");
    const done = await deleteCall({
      inputResponses: { confirm: { action: "accept", content: { confirm: true } } },
      requestState: asked.result.requestState,
    });
    expect(done.result.structuredContent).toMatchObject({ deleted: true });
    // list_workspaces, create_document, and the delete once.
    expect(Number(await shards.forTenant(t.id).get(quotaKey(t.id, thisMonth())))).toBe(3);
  });

  it("a new month starts at zero (clock injected)", async () => {
    const tenant = { id: crypto.randomUUID(), plan: "free" as const, config: { monthlyQuota: 2 } };
    let now = Date.UTC(2031, 0, 31, 23, 59, 59, 999);
    const meter: MeterDeps = {
      shards,
      config: { rateLimitOnError: "open" },
      log: createLogger({}, () => {}),
      waitUntil: (p) => void p,
      now: () => now,
    };
    const call = async (): Promise<Record<string, string>> => {
      const headers: Record<string, string> = {};
      await judgeQuota(meter, startQuotaCount(meter, tenant.id, true), tenant, headers);
      return headers;
    };
    await call();
    expect((await call())["x-monthly-quota-warning"]).toMatch(/^100% .* resets 2031-02-01T00:00:00.000Z$/);
    await expect(call()).rejects.toMatchObject({ status: 429, headers: { "retry-after": "1" } });
    now = Date.UTC(2031, 1, 1);
    expect(await call()).toEqual({});
    expect(Number(await shards.forTenant(tenant.id).get(quotaKey(tenant.id, "2031-02")))).toBe(1);
  });

  it("plan defaults, the tenant's own value and unlimited; quota list shows who is close", async () => {
    expect(monthlyQuotaOf({ plan: "free", config: {} })).toBe(PLAN_MONTHLY_QUOTA.free);
    expect(monthlyQuotaOf({ plan: "enterprise", config: {} })).toBeNull();
    expect(monthlyQuotaOf({ plan: "free", config: { monthlyQuota: "unlimited" } })).toBeNull();
    expect(monthlyQuotaOf({ plan: "enterprise", config: { monthlyQuota: 7 } })).toBe(7);
    // A hand-written value that is no quota falls back to the plan's, never to none.
    expect(monthlyQuotaOf({ plan: "free", config: { monthlyQuota: "lots" } })).toBe(PLAN_MONTHLY_QUOTA.free);

    const t = await tenantWithQuota(5);
    for (let i = 0; i < 4; i++) await settledStatelessCall(t.apiKey, "list_workspaces", {});
    const report = await quotaStandings(deps, 80, Date.now());
    expect(report.tenants).toContainEqual({ tenant: t.slug, plan: "free", quota: 5, used: 4, percent: 80 });
    const { tenant } = await updateTenant(deps, t.slug, { monthlyQuota: "unlimited" });
    expect(tenant.monthlyQuota).toBeNull();
    expect((await updateTenant(deps, t.slug, { monthlyQuota: "plan" })).tenant.monthlyQuota).toBe(
      PLAN_MONTHLY_QUOTA.free,
    );
  });
});
