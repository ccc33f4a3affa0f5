// Tenants spread over three Upstash databases (UPSTASH_SHARDS, test/sharded/global-setup.ts). The worker project's
// files this project also runs prove behaviour is unchanged; this file proves where state lands, that the audit flush
// drains every shard, and that a shard that is down fails only its own tenants.
import { createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { createKey } from "../../src/control/keys.ts";
import { ownerTransaction } from "../../src/control/owner-sql.ts";
import { quotaMonth } from "../../src/quota/month.ts";
import { auditQueueKey, keyCacheKey, quotaKey, rateLimitPattern, sessionKey } from "../../src/redis/keys.ts";
import { fetchSettled, settledStatelessCall } from "../worker/admin-support.ts";
import {
  cloud,
  controlDeps,
  createTenant,
  initializeMessage,
  MCP_URL,
  openSession,
  shards,
  type TestTenant,
} from "../worker/support/fixtures.ts";
import { postStateless, statelessMessage } from "../worker/support/stateless.ts";

const SHARDS = 3;
const list = statelessMessage("tools/list");

/** Tenants until each shard holds at least one (ids are random: about three to four tenants). */
async function tenantsOnEveryShard(): Promise<TestTenant[]> {
  const byShard = new Map<number, TestTenant>();
  for (let i = 0; i < 40 && byShard.size < SHARDS; i++) {
    const t = await createTenant("pro");
    if (!byShard.has(shards.tenantShard(t.id))) byShard.set(shards.tenantShard(t.id), t);
  }
  expect(byShard.size).toBe(SHARDS);
  return [...byShard.keys()].sort().map((s) => byShard.get(s)!);
}

/** The shards (indexes) that hold `key`. */
async function holders(key: string): Promise<number[]> {
  const found = await Promise.all(Array.from({ length: SHARDS }, (_, i) => shards.at(i).exists(key)));
  return found.flatMap((n, i) => (n > 0 ? [i] : []));
}

/** Keys of the shard `i` matching `pattern`. */
async function scanShard(i: number, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | number = "0";
  do {
    const [next, batch]: [string | number, string[]] = await shards.at(i).scan(cursor, { match: pattern, count: 500 });
    keys.push(...batch);
    cursor = next;
  } while (String(cursor) !== "0");
  return keys;
}

/** A request with `apiKey` that reaches admission and the lane: a 2026-07-28 `tools/list`. */
async function status(apiKey: string): Promise<number> {
  return (await postStateless(list, { authorization: `Bearer ${apiKey}` })).status;
}

describe("tenants spread over three Redis shards", () => {
  let tenants: TestTenant[];
  beforeAll(async () => {
    tenants = await tenantsOnEveryShard();
  });

  it("each tenant's sessions, counters and quota live on its own shard only; a key's entry on its key's shard", async () => {
    const month = quotaMonth(Date.now()).id;
    for (const t of tenants) {
      const home = shards.tenantShard(t.id);
      const sessionId = await openSession(t.apiKey);
      expect((await settledStatelessCall(t.apiKey, "list_workspaces", {})).status).toBe(200);

      expect(await holders(sessionKey(t.id, sessionId))).toEqual([home]);
      expect(await holders(quotaKey(t.id, month))).toEqual([home]);
      for (let i = 0; i < SHARDS; i++)
        expect((await scanShard(i, rateLimitPattern(t.id))).length > 0, `shard ${i} of tenant on ${home}`).toBe(
          i === home,
        );
      // The key's entry on its key's shard, and a copy on its tenant's: at most those two.
      const keyHolders = await holders(keyCacheKey(t.keyId));
      expect(keyHolders).toContain(shards.keyShard(t.keyId));
      expect(keyHolders.every((s) => s === home || s === shards.keyShard(t.keyId))).toBe(true);
    }
  });

  it("a session is found only with its own tenant's key, whichever shards the two tenants are on", async () => {
    const [a, b] = tenants as [TestTenant, TestTenant];
    const sessionId = await openSession(a.apiKey);
    const ping = (apiKey: string): Promise<Response> =>
      fetchSettled(MCP_URL, {
        method: "POST",
        headers: {
          authorization: `Bearer ${apiKey}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-session-id": sessionId,
          "mcp-protocol-version": "2025-11-25",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
      });
    expect((await ping(a.apiKey)).status).toBe(200);
    expect((await ping(b.apiKey)).status).toBe(404);
  });

  it("the Cron Trigger's flush drains the audit queue of every shard", async () => {
    for (const t of tenants) expect((await settledStatelessCall(t.apiKey, "list_workspaces", {})).status).toBe(200);
    for (const t of tenants) expect(await holders(auditQueueKey(t.id))).toEqual([shards.tenantShard(t.id)]);

    await worker.scheduled!(createScheduledController({ cron: "* * * * *" }), env);

    for (const t of tenants) {
      expect(await holders(auditQueueKey(t.id))).toEqual([]);
      const { results } = await ownerTransaction(controlDeps.sql, { tenantId: t.id }, [
        { text: "select count(*)::int as n from public.audit_log where tool = 'list_workspaces'" },
      ]);
      expect((results[0] as { n: number }[])[0]!.n).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("a shard that is down", () => {
  afterEach(async () => {
    await fetch(cloud.faultsUrl, { method: "DELETE" });
  });

  /** Makes shard `shard` refuse every connection, as an Upstash database that is down. */
  async function down(shard: number): Promise<void> {
    const res = await fetch(cloud.faultsUrl, {
      method: "POST",
      body: JSON.stringify({ redis: { mode: "refuse", shard } }),
    });
    expect(res.status).toBe(200);
  }

  it("fails only its own tenants' requests, with 503; a key whose entry is there still works for its tenant", async () => {
    const tenants = await tenantsOnEveryShard();
    const [victim, ...others] = tenants as [TestTenant, ...TestTenant[]];
    const dead = shards.tenantShard(victim.id);
    // A tenant elsewhere with a key whose cache entry is on the dead shard, not used yet (its first request is cold).
    const other = others[0]!;
    let coldKey = await createKey(controlDeps, other.slug, {});
    while (shards.keyShard(coldKey.keyId) !== dead) coldKey = await createKey(controlDeps, other.slug, {});
    // Every tenant's key remembered by the isolate (its warm path), and a session of the victim's.
    for (const t of tenants) expect(await status(t.apiKey)).toBe(200);
    const victimSession = await openSession(victim.apiKey);

    await down(dead);
    expect(await status(victim.apiKey)).toBe(503);
    const inSession = await fetchSettled(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${victim.apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": victimSession,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    expect(inSession.status).toBe(503);
    expect(inSession.headers.get("retry-after")).not.toBeNull();
    const opened = await fetchSettled(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${victim.apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(initializeMessage()),
    });
    expect(opened.status).toBe(503);

    for (const t of others) {
      expect(await status(t.apiKey), `tenant on shard ${shards.tenantShard(t.id)}`).toBe(200);
      expect(await openSession(t.apiKey)).toMatch(/^.{32}$/);
    }
    // Cold, with its key's cache shard down: Postgres answers the lookup, the tenant's own shard does the rest.
    expect(await status(coldKey.apiKey)).toBe(200);
    expect(await status(coldKey.apiKey)).toBe(200);

    // Back up: the victim is served again, its session intact.
    await fetch(cloud.faultsUrl, { method: "DELETE" });
    expect(await status(victim.apiKey)).toBe(200);
    const again = await fetchSettled(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${victim.apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": victimSession,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
    });
    expect(again.status).toBe(200);
  });

  it("the flush of the other shards goes on; the down shard's rows wait for the next run", async () => {
    const tenants = await tenantsOnEveryShard();
    for (const t of tenants) expect((await settledStatelessCall(t.apiKey, "list_workspaces", {})).status).toBe(200);
    const [victim, ...others] = tenants as [TestTenant, ...TestTenant[]];
    await down(shards.tenantShard(victim.id));
    await worker.scheduled!(createScheduledController({ cron: "* * * * *" }), env);
    await fetch(cloud.faultsUrl, { method: "DELETE" });
    for (const t of others) expect(await holders(auditQueueKey(t.id))).toEqual([]);
    expect(await holders(auditQueueKey(victim.id))).toEqual([shards.tenantShard(victim.id)]);
    await worker.scheduled!(createScheduledController({ cron: "* * * * *" }), env);
    expect(await holders(auditQueueKey(victim.id))).toEqual([]);
  });
});
