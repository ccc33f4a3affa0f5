// The answer of a create_document is lost after its commit (the local cloud drops or resets the response of the Neon
// request that committed): the client sees "unavailable" and retries with its idempotency key. The retry returns the
// original result, marked as a replay, and there is exactly one document. Without a key the same retry makes a second
// document: the control that shows the fault really strikes after the commit. Both lanes.
import { Client as PgClient, neonConfig } from "@neondatabase/serverless";
import { describe, expect, it, vi } from "vitest";
import type { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { iso } from "../../src/db/timestamps.ts";
import { IDEMPOTENCY_META_KEY, IDEMPOTENT_REPLAY_META_KEY } from "../../src/idempotency/key.ts";
import { cloud, connectClient, createTenant, redis, type TestTenant } from "../worker/support/fixtures.ts";
import { connectStatelessClient } from "../worker/support/stateless.ts";
import { keyCacheKey } from "../../src/redis/keys.ts";
import {
  clearFaults,
  clearFaultsAfterEach,
  cloudStats,
  faultHits,
  injectFaults,
  type FaultRule,
} from "./support/faults.ts";

clearFaultsAfterEach();

const UNAVAILABLE = "The database is unavailable; try again shortly.";

type Result = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: { document: Record<string, unknown> };
  _meta?: Record<string, unknown>;
};
type Call = (args: Record<string, unknown>, key?: string) => Promise<Result>;

async function caller(lane: "session" | "stateless", tenant: TestTenant): Promise<Call> {
  const { client } =
    lane === "session" ? await connectClient(tenant.apiKey) : await connectStatelessClient(tenant.apiKey);
  return async (args, key) =>
    (await (client as V1Client).callTool({
      name: "create_document",
      arguments: args,
      ...(key ? { _meta: { [IDEMPOTENCY_META_KEY]: key } } : {}),
    })) as Result;
}

async function documents(tenant: TestTenant, title: string): Promise<Record<string, unknown>[]> {
  return tenant.placement.admin.query(
    "select id, created_at from documents where tenant_id = $1 and title = $2 order by created_at",
    [tenant.id, title],
  );
}

const RULES: [string, FaultRule][] = [
  ["dropped", { mode: "drop", phase: "response", match: "insert into documents" }],
  ["reset", { mode: "refuse", phase: "response", match: "insert into documents" }],
];

describe.each(["session", "stateless"] as const)("%s lane: the answer lost after the commit", (lane) => {
  it.each(RULES)("%s: a retry with the same key returns the original result; one document", async (mode, rule) => {
    const tenant = await createTenant("pro");
    const call = await caller(lane, tenant);
    const key = `lost-${crypto.randomUUID()}`;
    const args = { workspace_id: tenant.workspaceId, title: `Lost ${mode} ${key}`, body: "b" };

    await injectFaults({ postgres: rule });
    const lost = await call(args, key);
    expect(lost).toMatchObject({ isError: true, content: [{ type: "text", text: UNAVAILABLE }] });
    expect(await faultHits("postgres", (rule as { mode: string }).mode)).toBeGreaterThan(0);
    await clearFaults();

    const [row, ...more] = await documents(tenant, args.title);
    expect(more).toEqual([]);
    const retry = await call(args, key);
    expect(retry.isError).toBeFalsy();
    expect(retry._meta?.[IDEMPOTENT_REPLAY_META_KEY]).toBe(true);
    expect(retry.structuredContent?.document).toMatchObject({
      id: row?.id,
      title: args.title,
      created_at: iso(row?.created_at),
    });
    expect(await documents(tenant, args.title)).toHaveLength(1);
  });

  it("without a key, the same retry writes a second document (the control)", async () => {
    const tenant = await createTenant("pro");
    const call = await caller(lane, tenant);
    const args = { workspace_id: tenant.workspaceId, title: `Unkeyed ${crypto.randomUUID()}`, body: "b" };
    await injectFaults({ postgres: { mode: "refuse", phase: "response", match: "insert into documents" } });
    expect((await call(args)).isError).toBe(true);
    await clearFaults();
    expect((await call(args)).isError).toBeFalsy();
    expect(await documents(tenant, args.title)).toHaveLength(2);
  });
});

describe("a key held by a call that is still running", () => {
  it("the next call waits for it: rolled back, the next call runs; still running after the wait, 'in progress'", async () => {
    neonConfig.wsProxy = () => cloud.neonWsProxy;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    const tenant = await createTenant("pro");
    const call = await caller("session", tenant);
    const args = { workspace_id: tenant.workspaceId, title: `Held ${crypto.randomUUID()}`, body: "b" };
    // A first call with the key, stuck between its claim and its commit: its row inserted, its transaction open.
    const first = new PgClient(cloud.adminDatabaseUrl);
    await first.connect();
    const hold = async (key: string): Promise<void> => {
      await first.query("begin");
      await first.query(
        `insert into public.idempotency_keys (tenant_id, credential, key, tool, request_hash, expires_at)
         values ($1, $2, $3, 'create_document', 'first', now() + interval '1 day')`,
        [tenant.id, `api_key:${tenant.keyId}`, key],
      );
    };
    try {
      const stuck = `held-${crypto.randomUUID()}`;
      await hold(stuck);
      const started = Date.now();
      const refused = await call(args, stuck);
      expect(refused).toMatchObject({
        isError: true,
        content: [{ text: expect.stringContaining("still in progress; retry with the same key") }],
      });
      // The wait is half the database timeout (DB_TIMEOUT_MS 3000 here), at most 5 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(await documents(tenant, args.title)).toEqual([]);
      await first.query("rollback");

      const brief = `held-${crypto.randomUUID()}`;
      await hold(brief);
      const waiting = call(args, brief);
      await new Promise((r) => setTimeout(r, 300));
      await first.query("rollback");
      const ran = await waiting;
      expect(ran.isError).toBeFalsy();
      expect(ran._meta?.[IDEMPOTENT_REPLAY_META_KEY]).toBeUndefined();
      expect(await documents(tenant, args.title)).toHaveLength(1);
    } finally {
      await first.end();
    }
  }, 30_000);
});

describe("what a key costs", () => {
  /** The Neon requests and statements one call makes (this project runs one file at a time, so the counts are its). */
  async function neonCost(run: () => Promise<unknown>): Promise<{ requests: number; statements: number }> {
    await fetch(`${cloud.statsUrl}/reset`, { method: "POST" });
    await run();
    const stats = await cloudStats();
    return {
      requests: (stats.neon_http_query ?? 0) + (stats.neon_http_transaction ?? 0),
      statements: stats.neon_http_statement ?? 0,
    };
  }

  it("a keyed write and its replay are one Neon request each; a read is what it was", async () => {
    const tenant = await createTenant("pro");
    const call = await caller("stateless", tenant);
    await call({ workspace_id: tenant.workspaceId, title: "warm-up", body: "b" });
    await vi.waitFor(async () => expect(await redis.get(keyCacheKey(tenant.keyId))).not.toBeNull());
    const args = { workspace_id: tenant.workspaceId, title: `Cost ${crypto.randomUUID()}`, body: "b" };
    const key = `cost-${crypto.randomUUID()}`;
    // enter_tenant, the claim, and create_document's two statements (each recording its rows in itself).
    expect(await neonCost(() => call(args, key))).toEqual({ requests: 1, statements: 4 });
    expect(await neonCost(() => call(args, key))).toEqual({ requests: 1, statements: 4 });
    expect(await neonCost(() => call({ ...args, title: `${args.title} unkeyed` }))).toEqual({
      requests: 1,
      statements: 3,
    });
  });
});
