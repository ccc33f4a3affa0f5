// `redis reshard` from two shards to three (scripts/admin/reshard.ts), with the Worker serving requests on the old
// list, then between the copy and the deploy, then on the new list before the finishing pass: no session is lost, and
// every counted request is still counted once the passes are done.
import { createScheduledController, env } from "cloudflare:test";
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { ownerTransaction } from "../../src/control/owner-sql.ts";
import { quotaMonth } from "../../src/quota/month.ts";
import { auditQueueKey, quotaKey, sessionIndexKey, sessionKey } from "../../src/redis/keys.ts";
import { shardOf, type ShardEndpoint } from "../../src/redis/shards.ts";
import { reshard, type ReshardRedis } from "../../scripts/admin/reshard.ts";
import { fetchSettled, settledStatelessCall } from "../worker/admin-support.ts";
import {
  cloud,
  controlDeps,
  createTenant,
  initializeMessage,
  MCP_URL,
  type TestTenant,
} from "../worker/support/fixtures.ts";

const NEW = cloud.upstashShards;
const OLD = NEW.slice(0, 2);
/** Per-request bindings of a Worker still on the old list. */
const onOld: Partial<Env> = { UPSTASH_SHARDS: JSON.stringify(OLD) } as Partial<Env>;
/** A Worker on the new list that also knows the old one, as the procedure deploys it (UPSTASH_SHARDS_PREVIOUS). */
const onNew: Partial<Env> = { UPSTASH_SHARDS_PREVIOUS: JSON.stringify(OLD) } as Partial<Env>;

const raw = (e: ShardEndpoint): ReshardRedis =>
  new Redis({ url: e.url, token: e.token, automaticDeserialization: false, enableTelemetry: false }) as ReshardRedis;
const at = (e: ShardEndpoint): Redis => new Redis({ url: e.url, token: e.token, enableTelemetry: false });

/** A tenant that moves (its shard among three is the new one) and one that stays. */
async function movingAndStaying(): Promise<{ moving: TestTenant; staying: TestTenant }> {
  let moving: TestTenant | undefined;
  let staying: TestTenant | undefined;
  for (let i = 0; i < 40 && !(moving && staying); i++) {
    const t = await createTenant("pro");
    if (shardOf(t.id, 3) === 2) moving ??= t;
    else staying ??= t;
  }
  return { moving: moving!, staying: staying! };
}

/** Sum of a tenant's rate-limit window counters on one shard. */
async function counted(redis: Redis, tenantId: string): Promise<number> {
  const [, keys] = await redis.scan(0, { match: `tmcp:rl:${tenantId}:*`, count: 1000 });
  const values = await Promise.all(keys.map((k) => redis.get<number>(k)));
  return values.reduce<number>((n, v) => n + Number(v ?? 0), 0);
}

async function ping(apiKey: string, sessionId: string, vars: Partial<Env> = {}): Promise<number> {
  const res = await fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": sessionId,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
    },
    vars,
  );
  return res.status;
}

async function open(apiKey: string, vars: Partial<Env> = {}): Promise<string> {
  const res = await fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(initializeMessage()),
    },
    vars,
  );
  expect(res.status).toBe(200);
  return res.headers.get("mcp-session-id")!;
}

describe("redis reshard, two shards to three", () => {
  it("keeps every session and every count across copy, deploy and finish; moves the audit queue", async () => {
    const { moving, staying } = await movingAndStaying();
    const oldHome = OLD[shardOf(moving.id, 2)]!;
    const newHome = NEW[2]!;
    const month = quotaMonth(Date.now()).id;
    let requests = 0;
    let calls = 0;

    // On the old list: a session, a tool call (counted in the quota, its audit row queued), of both tenants.
    const early = await open(moving.apiKey, onOld);
    requests++;
    expect((await settledStatelessCall(moving.apiKey, "list_workspaces", {}, {}, onOld)).status).toBe(200);
    requests++;
    calls++;
    const stays = await open(staying.apiKey, onOld);
    expect(await counted(at(oldHome), moving.id)).toBe(requests);

    const copy = await reshard({ from: OLD, to: NEW, pass: "copy", connect: raw });
    expect(copy.moved).toBeGreaterThan(0);
    expect(copy.deleted).toBe(0);

    // Between the copy and the deploy: old isolates go on counting and opening sessions on the old shard.
    const between = await open(moving.apiKey, onOld);
    requests++;
    const unknownToNew = await open(moving.apiKey, onOld);
    requests++;
    expect(await ping(moving.apiKey, early, onOld)).toBe(200);
    requests++;

    // Deployed: new isolates use three shards. The copied session works, and one opened on the old shard since the copy
    // is found there (and copied over) by a Worker that knows the previous list; one that does not, answers 404 until
    // the finish.
    expect(await ping(moving.apiKey, early, onNew)).toBe(200);
    requests++;
    expect(await ping(moving.apiKey, between, onNew)).toBe(200);
    requests++;
    expect(await ping(moving.apiKey, unknownToNew)).toBe(404);
    requests++;
    expect((await settledStatelessCall(moving.apiKey, "list_workspaces", {})).status).toBe(200);
    requests++;
    calls++;
    const late = await open(moving.apiKey);
    requests++;

    const finish = await reshard({ from: OLD, to: NEW, pass: "finish", connect: raw });
    expect(finish.deleted).toBeGreaterThan(0);

    // Nothing of the moving tenant is left on its old shard; every count is on the new one.
    const [, leftovers] = await at(oldHome).scan(0, { match: `tmcp:*${moving.id}*`, count: 1000 });
    expect(leftovers).toEqual([]);
    expect(await counted(at(newHome), moving.id)).toBe(requests);
    expect(Number(await at(newHome).get(quotaKey(moving.id, month)))).toBe(calls);
    const [, bases] = await at(newHome).scan(0, { match: "tmcp:reshard:*", count: 1000 });
    expect(bases).toEqual([]);

    // Every session works on the new list: from before the copy, between copy and deploy, and after the deploy.
    for (const s of [early, between, unknownToNew, late]) {
      expect(await at(newHome).exists(sessionKey(moving.id, s))).toBe(1);
      expect(await ping(moving.apiKey, s)).toBe(200);
    }
    expect(await at(newHome).zcard(sessionIndexKey(moving.id))).toBe(4);
    // The tenant that stays was not touched.
    expect(await ping(staying.apiKey, stays)).toBe(200);

    // Its audit rows, queued on the old shard before the copy and on the new one after the deploy, are flushed from
    // the new list's shards.
    expect(await at(oldHome).exists(auditQueueKey(moving.id))).toBe(0);
    await worker.scheduled!(createScheduledController({ cron: "* * * * *" }), env);
    const { results } = await ownerTransaction(controlDeps.sql, { tenantId: moving.id }, [
      { text: "select count(*)::int as n from public.audit_log where tool = 'list_workspaces'" },
    ]);
    expect((results[0] as { n: number }[])[0]!.n).toBe(calls);
  });

  it("running a pass again changes nothing", async () => {
    const again = await reshard({ from: OLD, to: NEW, pass: "finish", connect: raw });
    expect(again.unknown).toEqual([]);
    // The previous test's requests may still be writing after their responses (waitUntil: key cache copies, session
    // touches); once they are done, a pass finds nothing left to move. Bounded: a pass that kept moving would fail.
    let twice = await reshard({ from: OLD, to: NEW, pass: "finish", connect: raw });
    for (let i = 0; i < 5 && (twice.moved > 0 || twice.deleted > 0); i++) {
      await new Promise((r) => setTimeout(r, 200));
      twice = await reshard({ from: OLD, to: NEW, pass: "finish", connect: raw });
    }
    expect(twice.moved).toBe(0);
    expect(twice.deleted).toBe(0);
  });
});
