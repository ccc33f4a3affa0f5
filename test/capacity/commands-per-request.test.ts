// Upstash commands per warm request, per scenario and lane, from the local cloud's counters (Upstash bills each
// command, a script counting as one, and caps a database's commands per second; see BENCHMARKS.md, capacity model).
// In the resilience project: its files run one at a time against a cloud of their own, so the counters see this
// file's requests only. A series of requests is sent one after another, as one busy client would, each answered
// before the next; their after-response work (audit rows) is awaited once the series is over, before the counters
// are read, and every audit row must then be in its tenant's queue.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { auditQueueKey } from "../../src/redis/keys.ts";
import { fetchSettled } from "../worker/admin-support.ts";
import { cloud, createTenant, initializeMessage, MCP_URL, redis, type TestTenant } from "../worker/support/fixtures.ts";
import { statelessMessage } from "../worker/support/stateless.ts";

/** How many warm requests each scenario sends between two readings of the counters. */
const REQUESTS = 6;

/**
 * Longer than any one request of a series takes here, so a call's audit row waits in the isolate for the next
 * request of the series to carry it (as under load), and the idle write after it finds nothing left to write.
 */
const LINGER = { AUDIT_LINGER_MS: "5000" };

/** Sends the requests one after another, each answered before the next, then awaits all their background work. */
async function series(requests: (() => Request)[]): Promise<void> {
  const contexts: ExecutionContext[] = [];
  for (const make of requests) {
    const ctx = createExecutionContext();
    const res = await worker.fetch(make(), { ...env, ...LINGER }, ctx);
    const text = await res.text();
    if (res.status >= 300) throw new Error(`HTTP ${res.status}: ${text}`);
    contexts.push(ctx);
  }
  await Promise.all(contexts.map((ctx) => waitOnExecutionContext(ctx)));
}

async function commandsSinceReset(run: () => Promise<void>): Promise<number> {
  await fetch(`${cloud.statsUrl}/reset`, { method: "POST" });
  await run();
  const stats = (await (await fetch(cloud.statsUrl)).json()) as Record<string, number>;
  const verbs = Object.entries(stats).filter(([kind]) => kind.startsWith("upstash_verb_"));
  console.info(verbs.map(([kind, n]) => `${kind.slice("upstash_verb_".length)} ${n}`).join(", "));
  return stats.upstash_command ?? 0;
}

function headers(apiKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${apiKey}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...extra,
  };
}

async function send(apiKey: string, body: unknown, extra: Record<string, string> = {}): Promise<Response> {
  const res = await fetchSettled(MCP_URL, {
    method: "POST",
    headers: headers(apiKey, extra),
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return res;
}

let tenant: TestTenant;
let sessionId: string;
beforeAll(async () => {
  tenant = await createTenant("pro");
  const res = await send(tenant.apiKey, initializeMessage());
  sessionId = res.headers.get("mcp-session-id") ?? "";
});

type Scenario = { lane: "session" | "stateless"; name: string; body: (n: number) => unknown };

const getDocument = (n: number): Record<string, unknown> => ({
  name: "get_document",
  arguments: { id: tenant.documentIds[n % tenant.documentIds.length] },
});

const scenarios: Scenario[] = [
  { lane: "session", name: "tools/list", body: (n) => ({ jsonrpc: "2.0", id: n, method: "tools/list" }) },
  {
    lane: "session",
    name: "tools/call get_document",
    body: (n) => ({ jsonrpc: "2.0", id: n, method: "tools/call", params: getDocument(n) }),
  },
  { lane: "stateless", name: "tools/list", body: (n) => statelessMessage("tools/list", {}, { id: n }) },
  {
    lane: "stateless",
    name: "tools/call get_document",
    body: (n) => statelessMessage("tools/call", getDocument(n), { id: n }),
  },
];

function laneHeaders(s: Scenario): Record<string, string> {
  if (s.lane === "session") return { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
  const method = s.name.split(" ")[0] as string;
  return {
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...(method === "tools/call" ? { "mcp-name": "get_document" } : {}),
  };
}

describe("Upstash commands per warm request", () => {
  it.each(scenarios)("$lane $name: at most 2, audit rows included", { timeout: 30_000 }, async (s) => {
    // Warm: the isolate remembers the key (one request before counting).
    await send(tenant.apiKey, s.body(0), laneHeaders(s));
    const queued = await redis.llen(auditQueueKey(tenant.id));
    const request = (body: unknown, extra: Record<string, string>) => () =>
      new Request(MCP_URL, { method: "POST", headers: headers(tenant.apiKey, extra), body: JSON.stringify(body) });
    const calls = Array.from({ length: REQUESTS }, (_, i) => request(s.body(i + 1), laneHeaders(s)));
    // Last, a request of the same lane that is not a tool call: it carries the series' last audit row, as the next
    // request of a busy client would.
    const list = scenarios.find((o) => o.lane === s.lane && o.name === "tools/list") as Scenario;
    const commands = await commandsSinceReset(() => series([...calls, request(list.body(99), laneHeaders(list))]));
    const perRequest = commands / (REQUESTS + 1);
    console.info(`Upstash commands per request, ${s.lane} ${s.name}: ${perRequest}`);
    expect(perRequest).toBeLessThanOrEqual(2);
    const rows = s.name.startsWith("tools/call") ? REQUESTS : 0;
    expect(await redis.llen(auditQueueKey(tenant.id))).toBe(queued + rows);
  });

  it("concurrent calls: several held rows of one tenant ride in one command, and every request is served", {
    timeout: 30_000,
  }, async () => {
    const s = scenarios.find((o) => o.lane === "stateless" && o.name === "tools/call get_document") as Scenario;
    await send(tenant.apiKey, s.body(0), laneHeaders(s));
    const queued = await redis.llen(auditQueueKey(tenant.id));
    const call = (n: number) => async (): Promise<ExecutionContext> => {
      const ctx = createExecutionContext();
      const req = new Request(MCP_URL, {
        method: "POST",
        headers: headers(tenant.apiKey, laneHeaders(s)),
        body: JSON.stringify(s.body(n)),
      });
      const res = await worker.fetch(req, { ...env, ...LINGER }, ctx);
      expect(res.status, await res.text()).toBe(200);
      return ctx;
    };
    // Two waves: the second wave's warm reads carry the first wave's rows, several of one tenant per command.
    const first = await Promise.all([1, 2, 3, 4].map((n) => call(n)()));
    const second = await Promise.all([5, 6, 7, 8].map((n) => call(n)()));
    await Promise.all([...first, ...second].map((ctx) => waitOnExecutionContext(ctx)));
    expect(await redis.llen(auditQueueKey(tenant.id))).toBe(queued + 8);
  });
});
