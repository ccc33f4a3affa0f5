// Admission remembers, per isolate, which tenant a presented key belonged to, so the rate limit and session lookup
// can start with the key lookup. These tests prove the memory is only ever a guess: every request still verifies
// its key, and nothing it does can spend a tenant's budget for a caller without the full key.
import { describe, expect, it } from "vitest";
import { keyCacheKey } from "../../src/auth/key-store.ts";
import { admin, createTenant, openSession, post, redis, revokeKey } from "./support/fixtures.ts";

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

function wrongSecret(apiKey: string): string {
  return apiKey.slice(0, -1) + (apiKey.endsWith("a") ? "b" : "a");
}

describe("remembered keys", () => {
  it("a wrong secret for a remembered key id spends none of the tenant's budget", async () => {
    const tenant = await createTenant("free", { rateLimitPerMinute: 5 });
    const session = await openSession(tenant.apiKey); // 1 of 5; the key is now remembered
    const headers = { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": session };
    expect((await post(list, headers)).headers.get("ratelimit-remaining")).toBe("3");

    for (let i = 0; i < 4; i++) {
      const res = await post(list, { ...headers, authorization: `Bearer ${wrongSecret(tenant.apiKey)}` });
      expect(res.status).toBe(401);
    }
    const after = await post(list, headers);
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit-remaining")).toBe("2");
  });

  it("a remembered key that is revoked fails on its very next request", async () => {
    const tenant = await createTenant("pro");
    const session = await openSession(tenant.apiKey);
    const headers = { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": session };
    for (let i = 0; i < 3; i++) expect((await post(list, headers)).status).toBe(200);
    await revokeKey(tenant.keyId);
    expect((await post(list, headers)).status).toBe(401);
  });

  it("a changed rate limit applies to the very next request of a remembered key", async () => {
    const tenant = await createTenant("pro", { rateLimitPerMinute: 50 });
    const session = await openSession(tenant.apiKey);
    const headers = { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": session };
    expect((await post(list, headers)).headers.get("ratelimit-limit")).toBe("50");
    await admin`update public.tenants set rate_limit_per_minute = 7 where id = ${tenant.id}`;
    await redis.del(keyCacheKey(tenant.keyId));
    const next = await post(list, headers);
    expect(next.status).toBe(200);
    expect(next.headers.get("ratelimit-limit")).toBe("7");
  });

  it("a remembered key still finds only its own tenant's sessions", async () => {
    const [a, b] = await Promise.all([createTenant("pro"), createTenant("pro")]);
    const sessionOfA = await openSession(a.apiKey);
    await openSession(b.apiKey); // b's key is remembered
    const res = await post(list, { authorization: `Bearer ${b.apiKey}`, "mcp-session-id": sessionOfA });
    expect(res.status).toBe(404);
  });
});
