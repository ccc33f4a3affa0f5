// The operations behind the console's charts and its tenant page's recent errors, over audit rows written on chosen
// days: per-day counts per tool, the error rate and an observed p95, for one tenant and for the platform, and none of
// another tenant's rows in a tenant's answer.
import { beforeEach, describe, expect, it } from "vitest";
import { dayRange } from "../../src/control/usage-daily.ts";
import { uniqueSlug } from "./admin-support.ts";
import { admin as superuser } from "./support/fixtures.ts";
import { ok, operatorToken, problemOf, call } from "./support/operator-api.ts";

let token: string;
beforeEach(async () => {
  token = (await operatorToken("viewer")).token;
});

const DAY_MS = 86_400_000;

/** Writes audit rows for tenant `id`: `n` calls of `tool` with `status` and `durationMs`, `daysAgo` days back (UTC). */
async function seed(
  id: string,
  daysAgo: number,
  tool: string,
  status: string,
  durationMs: number,
  n = 1,
): Promise<void> {
  const at = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
  for (let i = 0; i < n; i++) {
    await superuser.query(
      `insert into public.audit_log (tenant_id, called_at, request_id, key_id, tool, status, duration_ms)
       values ($1, $2, $3, 'aaaaaaaaaaaaaaaa', $4, $5, $6)`,
      [id, at, `req-${crypto.randomUUID()}`, tool, status, durationMs],
    );
  }
}

async function newTenant(): Promise<{ id: string; slug: string }> {
  const adminToken = (await operatorToken("admin")).token;
  const slug = uniqueSlug("chart");
  const made = await ok("POST", "/tenants", adminToken, { slug, name: "Chart", plan: "free" }, 201);
  return { id: made.tenant.id, slug };
}

describe("daily usage", () => {
  it("counts a tenant's calls per day and tool, its error rate and p95, over the days asked for", async () => {
    const t = await newTenant();
    const other = await newTenant();
    await seed(t.id, 0, "search_documents", "ok", 10, 3);
    await seed(t.id, 0, "get_document", "tool_error", 200);
    await seed(t.id, 2, "get_document", "ok", 40, 2);
    await seed(t.id, 2, "get_document", "protocol_error", 5);
    await seed(t.id, 2, "get_document", "input_required", 999);
    await seed(t.id, 40, "get_document", "ok", 1);
    await seed(other.id, 0, "other_tool", "ok", 7, 5);

    const usage = await ok("GET", `/tenants/${t.slug}/usage/daily?days=30`, token);
    const { days } = dayRange(Date.now(), 30);
    expect(usage.days).toEqual(days);
    expect(usage.tenant).toBe(t.slug);
    const today = 29;
    const twoAgo = 27;
    expect(usage.calls[today]).toBe(4);
    expect(usage.calls[twoAgo]).toBe(3);
    expect(usage.calls.reduce((a: number, b: number) => a + b, 0)).toBe(7);
    expect(usage.errors[today]).toBe(1);
    expect(usage.errorRate[today]).toBeCloseTo(0.25);
    expect(usage.errorRate[twoAgo]).toBeCloseTo(1 / 3);
    expect(usage.errorRate[0]).toBeNull();
    expect(usage.p95Ms[today]).toBe(200);
    expect(usage.p95Ms[twoAgo]).toBe(40);
    expect(usage.tools.map((x: { tool: string }) => x.tool)).toEqual(["get_document", "search_documents"]);
    expect(usage.tools[0].calls[twoAgo]).toBe(3);
    expect(usage.tools[1].calls[today]).toBe(3);

    const week = await ok("GET", `/tenants/${t.slug}/usage/daily?days=1`, token);
    expect(week.calls).toEqual([4]);

    const platform = await ok("GET", "/usage/daily?days=30", token);
    expect(platform.tenant).toBeNull();
    expect(platform.calls[today]).toBeGreaterThanOrEqual(9);
    expect(platform.tools.map((x: { tool: string }) => x.tool)).toContain("other_tool");
  });

  it("refuses a period out of range, and answers 404 for a tenant that does not exist", async () => {
    for (const days of ["0", "91", "x"])
      await problemOf(await call("GET", `/usage/daily?days=${days}`, { token }), 400);
    await problemOf(await call("GET", "/tenants/no-such-tenant-here/usage/daily", { token }), 404);
    await problemOf(await call("GET", "/tenants/no-such-tenant-here/errors", { token }), 404);
  });
});

describe("recent errors", () => {
  it("lists a tenant's failed calls, newest first, and only its own", async () => {
    const t = await newTenant();
    const other = await newTenant();
    await seed(t.id, 3, "get_document", "tool_error", 12);
    await seed(t.id, 1, "search_documents", "protocol_error", 3);
    await seed(t.id, 0, "search_documents", "ok", 3);
    await seed(other.id, 0, "secret_tool", "tool_error", 3);
    const { items } = await ok("GET", `/tenants/${t.slug}/errors?limit=5`, token);
    expect(items.map((e: { tool: string; status: string }) => [e.tool, e.status])).toEqual([
      ["search_documents", "protocol_error"],
      ["get_document", "tool_error"],
    ]);
    expect(items[0]).toMatchObject({ durationMs: 3, user: "key:aaaaaaaaaaaaaaaa" });
  });
});
