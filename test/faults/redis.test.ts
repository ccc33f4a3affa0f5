// Redis (Upstash) down, failing or slow: auth and sessions answer 503 + Retry-After (never 404 or 500), the rate
// limiter follows RATE_LIMIT_ON_ERROR (default "open"), every answer comes within a bounded time, and the Worker
// recovers by itself once Redis is back. Faults are injected by the local cloud (local-cloud/faults.ts).
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createTenant,
  initializeMessage,
  MCP_URL,
  openSession,
  post,
  type TestTenant,
} from "../worker/support/fixtures.ts";
import { statelessMessage, postStateless } from "../worker/support/stateless.ts";
import {
  clearFaultsAfterEach,
  faultHits,
  injectFaults,
  INJECTED_DETAIL,
  timed,
  type FaultRule,
} from "./support/faults.ts";

clearFaultsAfterEach();

let tenant: TestTenant;
let sessionId: string;
beforeAll(async () => {
  tenant = await createTenant("pro");
  sessionId = await openSession(tenant.apiKey);
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${tenant.apiKey}` });
const session = (): Record<string, string> => ({ ...auth(), "mcp-session-id": sessionId });
const listTools = { jsonrpc: "2.0", id: 2, method: "tools/list" };

/** The configured limiter timeout, as the Worker under test reads it. */
const LIMITER_TIMEOUT_MS = Number(env.RATE_LIMIT_TIMEOUT_MS);
/**
 * Slack on top of a timeout: generous on purpose (a 2-core CI machine running other test files), yet far below the
 * seconds a retrying client or a hung upstream would take.
 */
const MARGIN_MS = 1500;

/** A 503 as every Redis failure must look: Retry-After, the generic message, nothing from upstream. */
async function expectUnavailable(res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(503);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(text)).toMatchObject({ jsonrpc: "2.0", error: { message: "Service temporarily unavailable" } });
  expect(text).not.toContain(INJECTED_DETAIL);
  expect(text).not.toMatch(/ERR|Upstash|command was|at .+:\d+:\d+/);
}

describe.each<[string, FaultRule]>([
  ["refuses connections", "refuse"],
  ["answers with an error", "error"],
])("when Redis %s", (_name, rule) => {
  it("a request on a live session is 503 with Retry-After (never 404: the client must not re-initialize)", async () => {
    await injectFaults({ redis: rule });
    await expectUnavailable(await post(listTools, session()));
  });

  it("initialize is 503 with Retry-After", async () => {
    await injectFaults({ redis: rule });
    await expectUnavailable(await post(initializeMessage(), auth()));
  });

  it("DELETE of a session is 503 with Retry-After", async () => {
    await injectFaults({ redis: rule });
    await expectUnavailable(await SELF.fetch(MCP_URL, { method: "DELETE", headers: session() }));
  });

  it("an unknown key id is 503, not 401 (the key cache cannot be read)", async () => {
    await injectFaults({ redis: rule });
    await expectUnavailable(
      await post(listTools, { authorization: `Bearer tmcp_${"a".repeat(16)}_${"b".repeat(40)}` }),
    );
  });

  it("the 503 comes fast: the client's retries do not hold the request", async () => {
    await injectFaults({ redis: rule });
    const { value: res, ms } = await timed(() => post(listTools, session()));
    await expectUnavailable(res);
    expect(ms).toBeLessThan(MARGIN_MS);
  });
});

describe("the stateless (2026-07-28) lane", () => {
  it("Redis down: 503 with Retry-After, as in the session lane", async () => {
    await injectFaults({ redis: "refuse" });
    await expectUnavailable(await postStateless(statelessMessage("tools/list"), auth()));
  });
});

describe("when Redis never answers", () => {
  it("requests get 503 within a bounded time instead of hanging", async () => {
    await injectFaults({ redis: "drop" });
    const { value: res, ms } = await timed(() => post(listTools, session()));
    await expectUnavailable(res);
    expect(ms).toBeLessThan(Number(env.REDIS_TIMEOUT_MS) + MARGIN_MS);
    expect(await faultHits("redis", "drop")).toBeGreaterThan(0);
  });
});

describe("recovery", () => {
  it("once Redis is back, the same session works again without a restart", async () => {
    await injectFaults({ redis: "refuse" });
    await expectUnavailable(await post(listTools, session()));
    await injectFaults({ redis: null });
    const res = await post(listTools, session());
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(0);
  });
});

describe("the rate limiter when Redis fails (RATE_LIMIT_ON_ERROR, default open)", () => {
  // Only the limiter's script commands fail, so what is tested is the limiter's policy, not auth's 503. initialize
  // runs the limiter before it writes the session, so the two never share a Redis round trip.
  // The limiter's own keys: session creation runs a script too.
  const limiterOnly = (mode: "refuse" | "drop"): FaultRule => ({ mode, match: "tmcp:rl:" });

  it("is configured open in this project", () => {
    expect(env.RATE_LIMIT_ON_ERROR).toBe("open");
  });

  it("fails open: the request is served, without a remaining count", async () => {
    await injectFaults({ redis: limiterOnly("refuse") });
    const res = await post(initializeMessage(), auth());
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-limit")).toBe("1000");
    expect(res.headers.get("ratelimit-remaining")).toBeNull();
    expect(await faultHits("redis", "refuse")).toBeGreaterThan(0);
  });

  it("a limiter that never answers costs at most its timeout", async () => {
    await injectFaults({ redis: limiterOnly("drop") });
    const { value: res, ms } = await timed(() => post(initializeMessage(), auth()));
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-remaining")).toBeNull();
    expect(ms).toBeLessThan(LIMITER_TIMEOUT_MS + MARGIN_MS);
  });
});

describe("when Redis is slow", () => {
  it("slower than the limiter timeout: the answer still comes within that timeout plus a margin", async () => {
    // The limiter's round trip takes 10x its timeout; everything else is fast.
    await injectFaults({ redis: { mode: "delay", delayMs: LIMITER_TIMEOUT_MS * 10, match: "tmcp:rl:" } });
    const { value: res, ms } = await timed(() => post(initializeMessage(), auth()));
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-remaining")).toBeNull();
    expect(ms).toBeLessThan(LIMITER_TIMEOUT_MS + MARGIN_MS);
    expect(await faultHits("redis", "delay")).toBeGreaterThan(0);
  });

  it("slower than the Redis timeout for every command: 503 within that timeout plus a margin", async () => {
    const timeout = Number(env.REDIS_TIMEOUT_MS);
    await injectFaults({ redis: "delay", delayMs: timeout * 5 });
    const { value: res, ms } = await timed(() => post(listTools, session()));
    await expectUnavailable(res);
    expect(ms).toBeLessThan(timeout + MARGIN_MS);
  });

  it("slow but within the timeouts: requests are served", async () => {
    await injectFaults({ redis: "delay", delayMs: Math.min(100, Math.floor(LIMITER_TIMEOUT_MS / 3)) });
    const res = await post(listTools, session());
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-remaining")).not.toBeNull();
  });
});
