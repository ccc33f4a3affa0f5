// Every change the admin CLI makes is seen by the tenant's very next MCP request, also inside an open session: the
// CLI's own operations (src/control) against the test cloud, then the Worker through SELF.fetch.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authenticate } from "../../src/auth/authenticate.ts";
import { createRequestContext } from "../../src/context.ts";
import { createKey, listKeys, revokeKey, rotateKey } from "../../src/control/keys.ts";
import { setTenantStatus, updateTenant } from "../../src/control/tenants.ts";
import { adminTenant, deps } from "./admin-support.ts";
import { connectClient, initializeMessage, MCP_URL, openSession, post } from "./support/fixtures.ts";

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

async function toolNames(apiKey: string, session: string): Promise<string[]> {
  const res = await post(list, { authorization: `Bearer ${apiKey}`, "mcp-session-id": session });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { result: { tools: { name: string }[] } };
  return body.result.tools.map((t) => t.name);
}

describe("plan and features", () => {
  it("a plan change adds and removes tools in an open session on its next request", async () => {
    const t = await adminTenant("free");
    const { client } = await connectClient(t.apiKey);
    const names = async (): Promise<string[]> => (await client.listTools()).tools.map((tool) => tool.name);
    expect(await names()).not.toContain("workspace_stats");

    await updateTenant(deps, t.slug, { plan: "pro" });
    expect(await names()).toContain("workspace_stats");

    await updateTenant(deps, t.slug, { features: { add: ["bulk_export"], remove: ["advanced_analytics"] } });
    const after = await names();
    expect(after).not.toContain("workspace_stats");
    expect(after).toContain("export_workspace");
    await client.close();
  });
});

describe("suspension", () => {
  it("a suspended tenant gets 403 on its next request inside an open session, and 200 again after resume", async () => {
    const t = await adminTenant("pro");
    const session = await openSession(t.apiKey);
    expect(await toolNames(t.apiKey, session)).toContain("list_workspaces");

    const suspended = await setTenantStatus(deps, t.slug, "suspended");
    expect(suspended.status).toBe("suspended");
    const res = await post(list, { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session });
    expect(res.status).toBe(403);

    await setTenantStatus(deps, t.slug, "active");
    expect(await toolNames(t.apiKey, session)).toContain("list_workspaces");
  });
});

describe("rate limit", () => {
  it("a lower limit applies to the next request", async () => {
    const t = await adminTenant("free", { rateLimitPerMinute: 1000 });
    const session = await openSession(t.apiKey); // one request in this minute
    await updateTenant(deps, t.slug, { rateLimitPerMinute: 1 });
    const res = await post(list, { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session });
    expect(res.status).toBe(429);
    expect(res.headers.get("ratelimit-limit")).toBe("1");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("revocation", () => {
  it("a revoked key gets 401 on its next request inside an open session; the tenant's other keys keep working", async () => {
    const t = await adminTenant("pro");
    const other = await createKey(deps, t.slug, { name: "second" });
    const session = await openSession(t.apiKey);
    expect(await toolNames(t.apiKey, session)).toContain("list_workspaces");

    const { key: revoked, tenantId } = await revokeKey(deps, t.keyId);
    expect(revoked.status).toBe("revoked");
    expect(tenantId).toBe(t.id);
    const res = await post(list, { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session });
    expect(res.status).toBe(401);
    expect((await post(initializeMessage(), { authorization: `Bearer ${other.apiKey}` })).status).toBe(200);
  });
});

describe("rotation", () => {
  it("during the grace period both keys work; after it the old key gets 401", async () => {
    const t = await adminTenant("pro");
    const session = await openSession(t.apiKey);
    expect(await toolNames(t.apiKey, session)).toContain("list_workspaces"); // the old key's lookup is cached now

    const rotated = await rotateKey(deps, t.keyId, { graceSeconds: 3600 });
    expect(rotated.previous.status).toBe("rotating");
    const graceEnds = Date.parse(rotated.previous.revokedAt as string);
    expect(graceEnds - Date.now()).toBeGreaterThan(3500_000);

    // Next request with the old key: still valid, and it sees the new revoked_at (the cache was invalidated).
    expect(await toolNames(t.apiKey, session)).toContain("list_workspaces");
    expect((await post(initializeMessage(), { authorization: `Bearer ${rotated.apiKey}` })).status).toBe(200);

    // After the grace period: the Worker's own check, with a clock past the end (no test waits for time).
    const request = new Request(MCP_URL, { method: "POST", headers: { authorization: `Bearer ${t.apiKey}` } });
    const rc = createRequestContext(request, env, createExecutionContext());
    await expect(authenticate(request, { ...rc, now: () => graceEnds - 1000 })).resolves.toMatchObject({
      credential: { kind: "api_key", id: t.keyId },
    });
    await expect(authenticate(request, { ...rc, now: () => graceEnds })).rejects.toMatchObject({ status: 401 });
    const fresh = new Request(MCP_URL, { method: "POST", headers: { authorization: `Bearer ${rotated.apiKey}` } });
    await expect(authenticate(fresh, { ...rc, now: () => graceEnds + 1000 })).resolves.toMatchObject({
      credential: { kind: "api_key", id: rotated.keyId },
    });
  });

  it("with no grace period the old key gets 401 on its very next request", async () => {
    const t = await adminTenant("free");
    const session = await openSession(t.apiKey);
    await rotateKey(deps, t.keyId, { graceSeconds: 0 });
    const res = await post(list, { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session });
    expect(res.status).toBe(401);
  });

  it("keeps the label and lifetime, and refuses to rotate a key that is not active", async () => {
    const t = await adminTenant("free");
    const key = await createKey(deps, t.slug, { name: "ci", expiresInSeconds: 90 * 86_400 });
    const rotated = await rotateKey(deps, key.keyId, { graceSeconds: 60 });
    const lifetime = Date.parse(rotated.expiresAt as string) - Date.now();
    expect(Math.abs(lifetime - 90 * 86_400_000)).toBeLessThan(60_000);
    const keys = await listKeys(deps, t.slug);
    expect(keys.find((k) => k.id === rotated.keyId)).toMatchObject({ name: "ci", status: "active" });
    expect(keys.find((k) => k.id === key.keyId)).toMatchObject({ name: "ci", status: "rotating" });
    await expect(rotateKey(deps, key.keyId, { graceSeconds: 60 })).rejects.toThrow(
      /is rotating; only an active key can be rotated/,
    );
  });
});
