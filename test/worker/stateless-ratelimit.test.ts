// The per-tenant rate limit on the 2026-07-28 lane: the same window as the session lane, counted before any work.
import { describe, expect, it } from "vitest";
import { admin, createTenant, initializeMessage, post } from "./support/fixtures.ts";
import { statelessMessage, postStateless } from "./support/stateless.ts";

const list = statelessMessage("tools/list");

describe("per-tenant sliding window, stateless lane", () => {
  it("allows exactly N requests, then 429 with Retry-After; the RateLimit headers count down", async () => {
    const limited = await createTenant("free", { rateLimitPerMinute: 4 });
    const auth = { authorization: `Bearer ${limited.apiKey}` };
    const remaining: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await postStateless(list, auth);
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-limit")).toBe("4");
      remaining.push(res.headers.get("ratelimit-remaining")!);
    }
    expect(remaining).toEqual(["3", "2", "1", "0"]);

    const over = await postStateless(list, auth);
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers.get("ratelimit-remaining")).toBe("0");
    expect(await over.json()).toMatchObject({ error: { message: "Rate limit exceeded" } });
  });

  it("both lanes draw on one budget per tenant", async () => {
    const limited = await createTenant("pro", { rateLimitPerMinute: 3 });
    const auth = { authorization: `Bearer ${limited.apiKey}` };
    expect((await post(initializeMessage(), auth)).status).toBe(200);
    expect((await postStateless(list, auth)).status).toBe(200);
    expect((await post(initializeMessage(), auth)).status).toBe(200);
    expect((await postStateless(list, auth)).status).toBe(429);
    expect((await post(initializeMessage(), auth)).status).toBe(429);
  });

  it("one tenant at its limit does not affect another", async () => {
    const [a, b] = await Promise.all([
      createTenant("pro", { rateLimitPerMinute: 2 }),
      createTenant("pro", { rateLimitPerMinute: 2 }),
    ]);
    for (let i = 0; i < 2; i++)
      expect((await postStateless(list, { authorization: `Bearer ${a.apiKey}` })).status).toBe(200);
    expect((await postStateless(list, { authorization: `Bearer ${a.apiKey}` })).status).toBe(429);
    const other = await postStateless(list, { authorization: `Bearer ${b.apiKey}` });
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit-remaining")).toBe("1");
  });

  it("a request over the limit runs no tool", async () => {
    const limited = await createTenant("free", { rateLimitPerMinute: 1, documents: [] });
    const auth = { authorization: `Bearer ${limited.apiKey}` };
    expect((await postStateless(list, auth)).status).toBe(200);
    const create = statelessMessage("tools/call", {
      name: "create_document",
      arguments: { workspace_id: limited.workspaceId, title: "Should not exist", body: "" },
    });
    expect((await postStateless(create, auth)).status).toBe(429);
    const [row] = await admin`select count(*)::int as n from public.documents where tenant_id = ${limited.id}`;
    expect(row?.n).toBe(0);
  });
});
