// `redis reshard` (scripts/admin/reshard.ts) while requests keep arriving: each pass runs during a burst of
// requests from the moving tenant, on the old list around the copy and on the new one around the finish, as a real
// deploy would see. No session opened before or during the passes is lost, and the tenant's limit holds to within
// one window (docs/redis-shards.md, "Resharding": counts are split between the deploy and the finish).
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { sessionIndexKey, sessionKey } from "../../src/redis/keys.ts";
import { shardOf, type ShardEndpoint } from "../../src/redis/shards.ts";
import { reshard, type ReshardRedis } from "../../scripts/admin/reshard.ts";
import { fetchSettled } from "../worker/admin-support.ts";
import { cloud, createTenant, initializeMessage, MCP_URL, type TestTenant } from "../worker/support/fixtures.ts";

const NEW = cloud.upstashShards;
const OLD = NEW.slice(0, 2);
const onOld: Partial<Env> = { UPSTASH_SHARDS: JSON.stringify(OLD) } as Partial<Env>;
const onNew: Partial<Env> = { UPSTASH_SHARDS_PREVIOUS: JSON.stringify(OLD) } as Partial<Env>;
/** The moving tenant's limit: small, so every burst below runs into it. */
const LIMIT = 24;
/** Requests per burst: more than the limit, all at once. */
const BURST = 40;

const raw = (e: ShardEndpoint): ReshardRedis =>
  new Redis({ url: e.url, token: e.token, automaticDeserialization: false, enableTelemetry: false }) as ReshardRedis;

/** A tenant whose shard among three is the new one, with {@link LIMIT} requests per minute. */
async function movingTenant(): Promise<TestTenant> {
  for (let i = 0; i < 40; i++) {
    const t = await createTenant("pro", { rateLimitPerMinute: LIMIT });
    if (shardOf(t.id, 3) === 2) return t;
  }
  throw new Error("no tenant landed on the new shard in 40 tries");
}

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** Opens a session; its id, or null when the request was refused (429 under the limit). */
async function open(apiKey: string, vars: Partial<Env>): Promise<string | null> {
  const res = await fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: { ...HEADERS, authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(initializeMessage()),
    },
    vars,
  );
  if (res.status === 429) return null;
  expect(res.status).toBe(200);
  return res.headers.get("mcp-session-id");
}

/** A ping in a session: its status (200, or 429 under the limit; 404 would be a lost session). */
async function ping(apiKey: string, sessionId: string, vars: Partial<Env> = {}): Promise<number> {
  const res = await fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: {
        ...HEADERS,
        authorization: `Bearer ${apiKey}`,
        "mcp-session-id": sessionId,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
    },
    vars,
  );
  return res.status;
}

/** Runs `pass` while a burst of opens and pings goes to the Worker on `vars`; the burst's outcome. */
async function burstDuring(
  pass: () => Promise<unknown>,
  tenant: TestTenant,
  sessions: string[],
  vars: Partial<Env>,
): Promise<{ opened: string[]; statuses: number[] }> {
  const opens = Array.from({ length: BURST / 2 }, () => open(tenant.apiKey, vars));
  const pings = Array.from({ length: BURST / 2 }, (_, i) => ping(tenant.apiKey, sessions[i % sessions.length]!, vars));
  const [opened, statuses] = await Promise.all([Promise.all(opens), Promise.all(pings), pass()]);
  return { opened: opened.filter((s): s is string => s !== null), statuses };
}

describe("redis reshard under concurrent load", () => {
  it("loses no session and lets the tenant past its limit by at most one window", async () => {
    const tenant = await movingTenant();
    // Sessions from before the copy, on the old list.
    const sessions: string[] = [];
    for (let i = 0; i < 3; i++) sessions.push((await open(tenant.apiKey, onOld))!);
    let allowed = 3;

    // Burst on the old list while the copy runs.
    const copy = await burstDuring(
      () => reshard({ from: OLD, to: NEW, pass: "copy", connect: raw }),
      tenant,
      sessions,
      onOld,
    );
    expect(copy.statuses.filter((s) => s === 404)).toEqual([]);
    allowed += copy.opened.length + copy.statuses.filter((s) => s === 200).length;
    sessions.push(...copy.opened);

    // Deployed: a burst on the new list while the finish runs.
    const finish = await burstDuring(
      () => reshard({ from: OLD, to: NEW, pass: "finish", connect: raw }),
      tenant,
      sessions,
      onNew,
    );
    expect(finish.statuses.filter((s) => s === 404)).toEqual([]);
    allowed += finish.opened.length + finish.statuses.filter((s) => s === 200).length;
    sessions.push(...finish.opened);

    // Within the minute the test takes, counts split between old and new shard let at most one extra window through;
    // and the limit did bite (the bursts alone are more than two windows).
    expect(allowed).toBeGreaterThanOrEqual(LIMIT);
    expect(allowed).toBeLessThanOrEqual(2 * LIMIT);

    // Every session, from before the copy and from both bursts, is on the tenant's new shard and nowhere else (a ping
    // cannot tell: the limit answers 429 before the session is looked up).
    const home = new Redis({ url: NEW[2]!.url, token: NEW[2]!.token, enableTelemetry: false });
    const found = await Promise.all(sessions.map((s) => home.exists(sessionKey(tenant.id, s))));
    expect(sessions.filter((_, i) => found[i] !== 1)).toEqual([]);
    expect(await home.zcard(sessionIndexKey(tenant.id))).toBe(sessions.length);
  });
});
