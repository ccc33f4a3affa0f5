// GET /healthz/tenant: one uptime probe per tenant, naming what is wrong.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { keyCacheKey } from "../../src/redis/keys.ts";
import { setTenantStatus } from "../../src/control/tenants.ts";
import { adminTenant, deps, fetchSettled } from "./admin-support.ts";
import { cloud, shards } from "./support/fixtures.ts";

const URL_ = "http://tenant-mcp.test/healthz/tenant";
const probe = (apiKey?: string): Promise<Response> =>
  SELF.fetch(URL_, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });

describe("GET /healthz/tenant", () => {
  it("is 200 for an active tenant whose data path works through RLS", async () => {
    const t = await adminTenant("free");
    const res = await probe(t.apiKey);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({
      status: "ok",
      tenant: t.slug,
      checks: { tenant: "active", database: "ok", rate_limit: "ok" },
    });
  });

  it("answers a missing or bad key like /mcp does: 401", async () => {
    const none = await probe();
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const bad = await probe(`tmcp_${"a".repeat(16)}_${"b".repeat(40)}`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    expect(await bad.json()).toMatchObject({
      error: { message: expect.stringContaining("Authorization: Bearer tmcp_") },
    });
  });

  it("says suspended, with 403", async () => {
    const t = await adminTenant("pro");
    await setTenantStatus(deps, t.slug, "suspended");
    const res = await probe(t.apiKey);
    expect(res.status).toBe(403);
    // The same shape as every other answer: the key is the tenant's own, so naming the tenant tells its holder nothing new.
    expect(await res.json()).toEqual({
      status: "suspended",
      tenant: t.slug,
      checks: { tenant: "suspended", database: "skipped", rate_limit: "skipped" },
    });
  });

  it("is GET only: other methods get 405 with Allow, as /mcp does", async () => {
    const t = await adminTenant("free");
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = await SELF.fetch(URL_, { method, headers: { authorization: `Bearer ${t.apiKey}` } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow"), method).toBe("GET");
      expect(await res.json(), method).toMatchObject({
        error: { message: expect.stringMatching(/^Method not allowed: .*GET/) },
      });
    }
  });

  it("says rate_limited, with 429 and Retry-After, when the tenant is at its limit", async () => {
    const t = await adminTenant("free", { rateLimitPerMinute: 1 });
    expect((await probe(t.apiKey)).status).toBe(200); // the probe counts, as the tenant's next request would
    const res = await probe(t.apiKey);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({
      status: "rate_limited",
      tenant: t.slug,
      checks: { database: "ok", rate_limit: "exceeded" },
    });
  });

  it("says database, with 503, when the database is down and the key is still known from the cache", async () => {
    const t = await adminTenant("free");
    // A probe that works leaves the key's lookup in the cache (after the response; fetchSettled waits for it).
    expect((await fetchSettled(URL_, { headers: { authorization: `Bearer ${t.apiKey}` } })).status).toBe(200);
    expect(await shards.forKey(t.keyId).get(keyCacheKey(t.keyId))).toMatchObject({ record: { keyId: t.keyId } });

    // The same Worker with a database that fails every query (the real driver and adapter, a database that is gone).
    const down = { DATABASE_URL: cloud.appDatabaseUrl.replace(/\/[^/]*$/, "/no_such_database") };
    const res = await fetchSettled(URL_, { headers: { authorization: `Bearer ${t.apiKey}` } }, down);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect(await res.json()).toEqual({
      status: "database",
      tenant: t.slug,
      checks: { tenant: "active", database: "unavailable", rate_limit: "ok" },
    });
    // And a key that is not cached cannot even be checked: the usual 503 of /mcp, never a 401.
    const cold = await adminTenant("free");
    expect((await fetchSettled(URL_, { headers: { authorization: `Bearer ${cold.apiKey}` } }, down)).status).toBe(503);
  });
});
