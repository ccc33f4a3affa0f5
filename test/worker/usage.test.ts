// Self-service usage: GET /usage and the tenant://usage resource show the caller's tenant its own period (quota,
// calls, errors, per tool, per day) and nothing of any other tenant, whatever the request names.
import { describe, expect, it } from "vitest";
import { updateTenant } from "../../src/control/tenants.ts";
import { adminTenant, deps, fetchSettled, flushAuditQueue, settledStatelessCall } from "./admin-support.ts";
import { MCP_URL } from "./support/fixtures.ts";
import { statelessMessage } from "./support/stateless.ts";

const USAGE_URL = new URL("/usage", MCP_URL).toString();

interface Usage {
  tenant: string;
  plan: string;
  period: { month: string; start: string; resetsAt: string };
  quota: { limit: number | null; used: number; remaining: number | null };
  calls: number;
  errors: number;
  tools: { tool: string; calls: number; errors: number }[];
  days: { date: string; calls: number; errors: number }[];
}

async function getUsage(
  apiKey: string | null,
  path = USAGE_URL,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetchSettled(path, { headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers } });
}

/** `resources/read` of `uri` on the 2026-07-28 lane. */
async function readResource(apiKey: string, uri: string): Promise<Record<string, any>> {
  const res = await fetchSettled(MCP_URL, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "resources/read",
      "mcp-name": uri,
    },
    body: JSON.stringify(statelessMessage("resources/read", { uri })),
  });
  return (await res.json()) as Record<string, any>;
}

/** Two tenants with different histories: `a` made 2 good calls and 1 failing one, `b` 4 good ones. */
async function twoTenants(): Promise<{
  a: Awaited<ReturnType<typeof adminTenant>>;
  b: Awaited<ReturnType<typeof adminTenant>>;
}> {
  const [a, b] = await Promise.all([adminTenant("free"), adminTenant("pro")]);
  await updateTenant(deps, a.slug, { monthlyQuota: 50 });
  await settledStatelessCall(a.apiKey, "list_workspaces", {});
  await settledStatelessCall(a.apiKey, "list_workspaces", {});
  await settledStatelessCall(a.apiKey, "get_document", { id: crypto.randomUUID() });
  for (let i = 0; i < 4; i++) await settledStatelessCall(b.apiKey, "list_workspaces", {});
  await flushAuditQueue([a.id, b.id]);
  return { a, b };
}

describe("GET /usage", () => {
  it("shows the caller's tenant its period, quota, calls per tool and per day", async () => {
    const { a } = await twoTenants();
    const res = await getUsage(a.apiKey);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const usage = (await res.json()) as Usage;
    const month = new Date().toISOString().slice(0, 7);
    expect(usage).toMatchObject({
      tenant: a.slug,
      plan: "free",
      period: { month, start: `${month}-01T00:00:00.000Z` },
      quota: { limit: 50, used: 3, remaining: 47 },
      calls: 3,
      errors: 1,
      tools: [
        { tool: "list_workspaces", calls: 2, errors: 0 },
        { tool: "get_document", calls: 1, errors: 1 },
      ],
    });
    expect(usage.days).toHaveLength(30);
    expect(usage.days.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), calls: 3, errors: 1 });
    expect(usage.days.slice(0, -1).every((d) => d.calls === 0)).toBe(true);
  });

  it("another tenant's usage cannot be asked for: query, headers and paths name nothing", async () => {
    const { a, b } = await twoTenants();
    const attempts = [
      await getUsage(a.apiKey, `${USAGE_URL}?tenant=${b.slug}`),
      await getUsage(a.apiKey, `${USAGE_URL}?tenant_id=${b.id}`),
      await getUsage(a.apiKey, USAGE_URL, { "x-tenant": b.slug, "x-tenant-id": b.id }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ tenant: a.slug, calls: 3 });
      expect(text).not.toContain(b.slug);
      expect(text).not.toContain(b.id);
    }
    expect((await getUsage(a.apiKey, `${USAGE_URL}/${b.id}`)).status).toBe(404);
    // Other methods: 405 with Allow, before any credential is looked at.
    const post = await fetchSettled(USAGE_URL, { method: "POST", headers: { authorization: `Bearer ${a.apiKey}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    // B sees B's.
    expect(((await (await getUsage(b.apiKey)).json()) as Usage).calls).toBe(4);
  });

  it("needs a valid credential of a tenant: none or a wrong one gets 401, not anybody's usage", async () => {
    const { a } = await twoTenants();
    expect((await getUsage(null)).status).toBe(401);
    const forged = `${a.apiKey.slice(0, -4)}aaaa`;
    const res = await getUsage(forged);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(a.slug);
  });
});

describe("tenant://usage", () => {
  it("is listed, and reads as the caller's own usage, the same document as GET /usage", async () => {
    const { a } = await twoTenants();
    const list = await fetchSettled(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${a.apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "resources/list",
      },
      body: JSON.stringify(statelessMessage("resources/list", {})),
    });
    const listed = ((await list.json()) as { result: { resources: { uri: string }[] } }).result.resources;
    expect(listed.map((r) => r.uri)).toContain("tenant://usage");

    const read = await readResource(a.apiKey, "tenant://usage");
    const [content] = read.result.contents as { uri: string; mimeType: string; text: string }[];
    expect(content).toMatchObject({ uri: "tenant://usage", mimeType: "application/json" });
    const usage = JSON.parse(content!.text) as Usage;
    expect(usage).toMatchObject({ tenant: a.slug, quota: { limit: 50, used: 3 }, calls: 3, errors: 1 });
  });

  it("URIs that try to name another tenant are not found, exactly like a URI that names nothing", async () => {
    const { a, b } = await twoTenants();
    const nothing = await readResource(a.apiKey, "tenant://nothing");
    for (const uri of [`tenant://usage?tenant=${b.slug}`, `tenant://usage/${b.id}`, `tenant://${b.slug}/usage`]) {
      const answer = await readResource(a.apiKey, uri);
      // The same error as for a URI that names nothing; it quotes only the URI the caller sent.
      expect(answer.error).toEqual({ ...nothing.error, data: { uri } });
      expect(answer.result).toBeUndefined();
    }
  });
});
