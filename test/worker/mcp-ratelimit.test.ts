// Per-tenant rate limits: exactly N requests a minute, then 429; other tenants unaffected; policy when Redis fails.
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.ts";
import { enforceRateLimit } from "../../src/ratelimit/limiter.ts";
import { effectiveFeatures, type TenantContext } from "../../src/tenancy/tenant.ts";
import { createTenant, initializeMessage, post } from "./support/fixtures.ts";
import { singleShard } from "../../src/redis/shards.ts";

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

describe("per-tenant sliding window", () => {
  it("allows exactly N requests, then 429 with Retry-After; the RateLimit headers count down", async () => {
    const limited = await createTenant("free", { rateLimitPerMinute: 4 });
    const auth = { authorization: `Bearer ${limited.apiKey}` };
    const init = await post(initializeMessage(), auth);
    expect(init.status).toBe(200);
    expect(init.headers.get("ratelimit-limit")).toBe("4");
    expect(init.headers.get("ratelimit-remaining")).toBe("3");
    const session = { ...auth, "mcp-session-id": init.headers.get("mcp-session-id")! };

    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(list, session);
      expect(res.status).toBe(200);
      remaining.push(res.headers.get("ratelimit-remaining")!);
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const over = await post(list, session);
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(over.headers.get("ratelimit-reset"))).toBeLessThanOrEqual(60);
    expect(await over.json()).toMatchObject({ error: { message: "Rate limit exceeded" } });
  });

  it("one tenant at its limit does not affect another", async () => {
    const [a, b] = await Promise.all([
      createTenant("pro", { rateLimitPerMinute: 2 }),
      createTenant("pro", { rateLimitPerMinute: 2 }),
    ]);
    for (let i = 0; i < 2; i++)
      expect((await post(initializeMessage(), { authorization: `Bearer ${a.apiKey}` })).status).toBe(200);
    expect((await post(initializeMessage(), { authorization: `Bearer ${a.apiKey}` })).status).toBe(429);
    const other = await post(initializeMessage(), { authorization: `Bearer ${b.apiKey}` });
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit-remaining")).toBe("1");
  });
});

describe("when Redis is unreachable", () => {
  // A real client pointed at a port nothing listens on: the failure is real, not simulated.
  const deadRedis = new Redis({ url: "http://127.0.0.1:9", token: "x", retry: false, enableTelemetry: false });
  const tenant: TenantContext = {
    id: crypto.randomUUID(),
    slug: "policy",
    name: "Policy",
    plan: "free",
    features: effectiveFeatures("free", [], []),
    rateLimitPerMinute: 10,
    status: "active",
    config: {},
    data: { isolation: "shared" },
    dataMoving: false,
  };
  const lines: string[] = [];
  const log = createLogger({}, (l) => lines.push(l));

  it('"open" lets the request through and logs a warning', async () => {
    const outcome = await enforceRateLimit(tenant, {
      shards: singleShard(deadRedis),
      config: { rateLimitOnError: "open", rateLimitTimeoutMs: 300 },
      log,
      now: Date.now,
    });
    expect(outcome.headers["ratelimit-limit"]).toBe("10");
    expect(lines.some((l) => l.includes('"level":"warn"') && l.includes("failing open"))).toBe(true);
  });

  it('"closed" answers 503 with Retry-After', async () => {
    const err = await enforceRateLimit(tenant, {
      shards: singleShard(deadRedis),
      config: { rateLimitOnError: "closed", rateLimitTimeoutMs: 300 },
      log,
      now: Date.now,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ status: 503, headers: { "retry-after": "2" } });
  });
});
