// Postgres (Neon) down, failing or never answering: a tool call returns isError with a short safe message, a key
// lookup that misses the cache answers 503, and a create_document cut off mid-flight is fully written or absent,
// never partial. Faults are injected by the local cloud (local-cloud/faults.ts).
import { Client as PgClient, neonConfig } from "@neondatabase/serverless";
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { keyCacheKey } from "../../src/redis/keys.ts";
import {
  admin,
  cloud,
  connectClient,
  createTenant,
  initializeMessage,
  post,
  redis,
  type TestTenant,
} from "../worker/support/fixtures.ts";
import { statelessMessage, postStateless, replyOf } from "../worker/support/stateless.ts";
import {
  clearFaults,
  clearFaultsAfterEach,
  faultHits,
  injectFaults,
  INJECTED_DETAIL,
  timed,
  type FaultRule,
} from "./support/faults.ts";

clearFaultsAfterEach();

const DB_TIMEOUT_MS = Number(env.DB_TIMEOUT_MS);
/** Generous slack on top of a timeout (a busy 2-core CI machine), far below a hang. */
const MARGIN_MS = 1500;
const UNAVAILABLE = "The database is unavailable; try again shortly.";

let tenant: TestTenant;
let client: Client;
beforeAll(async () => {
  tenant = await createTenant("pro");
  ({ client } = await connectClient(tenant.apiKey));
  // The key record reaches the Redis cache after the first response (waitUntil): from then on, auth needs no Postgres.
  await vi.waitFor(async () =>
    expect(await redis.get(keyCacheKey(tenant.keyId))).toMatchObject({ record: { keyId: tenant.keyId } }),
  );
});

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: unknown };

async function call(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** A tool failure as a client must see it: isError, one short safe sentence, nothing from upstream. */
function expectSafeFailure(result: ToolResult, message = UNAVAILABLE): void {
  expect(result.isError).toBe(true);
  expect(result.content).toEqual([{ type: "text", text: message }]);
  expect(JSON.stringify(result)).not.toMatch(
    new RegExp(`${INJECTED_DETAIL}|select|Server error|HTTP status|at .+:\\d+:\\d+`, "i"),
  );
}

describe.each<[string, FaultRule]>([
  ["refuses connections", "refuse"],
  ["answers with an error", "error"],
  ["never answers", "drop"],
])("when Postgres %s", (_name, rule) => {
  it("a tool call returns isError with a short safe message, within the database timeout", async () => {
    await injectFaults({ postgres: rule });
    const { value: result, ms } = await timed(() => call("get_document", { id: tenant.documentIds[0] }));
    expectSafeFailure(result);
    expect(ms).toBeLessThan(DB_TIMEOUT_MS + MARGIN_MS);
  });

  it("a key that is not in the cache gets 503 with Retry-After", async () => {
    const fresh = await createTenant("free");
    await injectFaults({ postgres: rule });
    const { value: res, ms } = await timed(() =>
      post(initializeMessage(), { authorization: `Bearer ${fresh.apiKey}` }),
    );
    const text = await res.text();
    expect(res.status, text).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(text)).toMatchObject({ error: { message: "Service temporarily unavailable" } });
    expect(text).not.toContain(INJECTED_DETAIL);
    expect(ms).toBeLessThan(DB_TIMEOUT_MS + MARGIN_MS);
  });

  it("the session itself survives: the same client works once Postgres is back", async () => {
    await injectFaults({ postgres: rule });
    expectSafeFailure(await call("list_workspaces", {}));
    await clearFaults();
    const result = await call("list_workspaces", {});
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain(tenant.workspaceId);
  });
});

describe("the stateless (2026-07-28) lane", () => {
  it("Postgres down: a tool call returns isError with the same short safe message", async () => {
    await injectFaults({ postgres: "refuse" });
    const res = await postStateless(
      statelessMessage("tools/call", { name: "get_document", arguments: { id: tenant.documentIds[0] } }),
      {
        authorization: `Bearer ${tenant.apiKey}`,
      },
    );
    expect(res.status).toBe(200);
    expectSafeFailure((await replyOf(res)).result as ToolResult);
  });
});

describe("create_document interrupted mid-flight", () => {
  // A large body, so a partial write (truncated text) would be visible.
  const body = `${"Lorem ipsum dolor sit amet. ".repeat(8000)}END`;

  async function rowsTitled(title: string): Promise<Array<{ n: number; size: number; same: boolean }>> {
    return (await admin.query(
      "select count(*) over ()::int as n, octet_length(body) as size, body = $2 as same from public.documents where tenant_id = $1 and title = $3",
      [tenant.id, body, title],
    )) as Array<{ n: number; size: number; same: boolean }>;
  }

  async function createUnder(rule: FaultRule): Promise<{ result: ToolResult; title: string }> {
    const title = `interrupted ${crypto.randomUUID()}`;
    // Only the insert is hit: the session, the key and the tool's own reads are untouched.
    await injectFaults({ postgres: rule });
    const result = await call("create_document", { workspace_id: tenant.workspaceId, title, body });
    await clearFaults();
    return { result, title };
  }

  it("refused before it reaches Postgres: isError, and nothing is written", async () => {
    const { result, title } = await createUnder({ mode: "refuse", match: "insert into documents" });
    expectSafeFailure(result);
    expect(await rowsTitled(title)).toEqual([]);
    expect(await faultHits("postgres", "refuse")).toBeGreaterThan(0);
  });

  it.each<[string, FaultRule]>([
    ["its answer is dropped after the commit", { mode: "drop", phase: "response", match: "insert into documents" }],
    ["the connection is reset after the commit", { mode: "refuse", phase: "response", match: "insert into documents" }],
  ])("%s: isError (the outcome is unknown to the Worker), and the row is whole, exactly once", async (_name, rule) => {
    const { result, title } = await createUnder(rule);
    expectSafeFailure(result);
    expect(await rowsTitled(title)).toEqual([{ n: 1, size: new TextEncoder().encode(body).length, same: true }]);
  });

  it("without faults the same call succeeds (the fixture is sound)", async () => {
    const title = `uninterrupted ${crypto.randomUUID()}`;
    const result = await call("create_document", { workspace_id: tenant.workspaceId, title, body });
    expect(result.isError).toBeFalsy();
    expect(await rowsTitled(title)).toEqual([{ n: 1, size: new TextEncoder().encode(body).length, same: true }]);
  });
});

describe("the Neon WebSocket path", () => {
  it("a refused connection fails the driver's connect at once", async () => {
    neonConfig.wsProxy = () => cloud.neonWsProxy;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    await injectFaults({ postgres: "refuse" });
    const pg = new PgClient(cloud.adminDatabaseUrl);
    pg.on("error", () => {});
    await expect(pg.connect()).rejects.toThrow();
    expect(await faultHits("postgres", "refuse")).toBeGreaterThan(0);
  });
});
