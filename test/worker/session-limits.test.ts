// What one tenant can make the shared Redis hold through sessions: a padded initialize is refused, a stored session is
// a few hundred bytes whatever the client sends, and a tenant's live sessions are capped (the longest idle goes
// first), without touching any other tenant's sessions.
import { describe, expect, it } from "vitest";
import { runKnownScript } from "../../src/redis/script.ts";
import { CREATE_SESSION, CREATE_SESSION_SHA, TOUCH_SESSION, TOUCH_SESSION_SHA } from "../../src/session/scripts.ts";
import { sessionIndexKey, sessionKey } from "../../src/redis/keys.ts";
import { fetchSettled } from "./admin-support.ts";
import { createTenant, initializeMessage, MCP_URL, redis, type TestTenant, shards } from "./support/fixtures.ts";

const MAX_SESSION_BYTES = 1024;

function headers(apiKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${apiKey}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...extra,
  };
}

function initialize(
  apiKey: string,
  message: unknown = initializeMessage(),
  vars: Partial<Env> = {},
): Promise<Response> {
  return fetchSettled(MCP_URL, { method: "POST", headers: headers(apiKey), body: JSON.stringify(message) }, vars);
}

async function open(t: TestTenant, vars: Partial<Env> = {}): Promise<string> {
  const res = await initialize(t.apiKey, initializeMessage(), vars);
  expect(res.status).toBe(200);
  return res.headers.get("mcp-session-id")!;
}

function ping(t: TestTenant, sessionId: string, vars: Partial<Env> = {}): Promise<Response> {
  return fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: headers(t.apiKey, { "mcp-session-id": sessionId }),
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
    },
    vars,
  );
}

/** The session records Redis holds for a tenant, with their sizes in bytes. */
async function storedSessions(tenantId: string): Promise<{ key: string; bytes: number }[]> {
  const keys: string[] = [];
  const redis = shards.forTenant(tenantId);
  let cursor: string | number = "0";
  do {
    const [next, batch]: [string | number, string[]] = await redis.scan(cursor, {
      match: sessionKey(tenantId, "*"),
      count: 500,
    });
    keys.push(...batch.filter((k) => k !== sessionIndexKey(tenantId)));
    cursor = next;
  } while (String(cursor) !== "0");
  return Promise.all(keys.map(async (key) => ({ key, bytes: await redis.strlen(key) })));
}

function padded(size: number): Record<string, unknown> {
  const m = initializeMessage();
  (m.params as { capabilities: Record<string, unknown> }).capabilities = {
    experimental: { pad: { data: "x".repeat(size) } },
  };
  return m;
}

describe("session size", () => {
  it("an initialize padded to 1,000,000 characters is refused (413) and stores nothing", async () => {
    const t = await createTenant("free");
    const res = await initialize(t.apiKey, padded(1_000_000));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/initialize.*8192 bytes/);
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect(await storedSessions(t.id)).toEqual([]);
  });

  it("whatever fits under the initialize cap, the stored session stays within 1 KiB", async () => {
    const t = await createTenant("free");
    const stuffed = [
      padded(7_000),
      {
        ...initializeMessage(),
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {
            roots: { listChanged: true, extra: "r".repeat(1000) },
            sampling: { x: "s".repeat(1000) },
            elicitation: {},
          },
          clientInfo: { name: "\u{1F993}".repeat(500), version: "\u0001".repeat(300), title: "t".repeat(1000) },
        },
      },
    ];
    for (const message of stuffed) {
      const res = await initialize(t.apiKey, message);
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const sizes = await storedSessions(t.id);
    expect(sizes).toHaveLength(2);
    for (const s of sizes) expect(s.bytes).toBeLessThanOrEqual(MAX_SESSION_BYTES);
  });

  it("keeps only what later requests use: version, capped client name and version, capability flags", async () => {
    const t = await createTenant("free");
    const res = await initialize(t.apiKey, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: { roots: { listChanged: true }, sampling: {}, experimental: { pad: { data: "x".repeat(3000) } } },
        clientInfo: { name: "n".repeat(300), version: "1.2.3", title: "dropped", icons: [{ src: "https://x" }] },
      },
    });
    const record = (await shards
      .forTenant(t.id)
      .get<Record<string, unknown>>(sessionKey(t.id, res.headers.get("mcp-session-id")!)))!;
    expect(record).toMatchObject({
      tenantId: t.id,
      keyId: t.keyId,
      protocolVersion: "2025-06-18",
      clientInfo: { version: "1.2.3" },
    });
    expect((record.clientInfo as { name: string }).name).toBe("n".repeat(64));
    expect(record.clientInfo).not.toHaveProperty("title");
    expect(record.capabilities).toEqual(["roots", "sampling"]);
    expect(JSON.stringify(record)).not.toContain("x".repeat(100));
  });
});

describe("live sessions per tenant (SESSION_MAX_PER_TENANT)", () => {
  const cap = { SESSION_MAX_PER_TENANT: "3" };

  it("a new session past the cap ends the tenant's longest-idle one; another tenant's sessions are untouched", async () => {
    const [a, b] = await Promise.all([createTenant("free"), createTenant("free")]);
    const ofB = [await open(b, cap), await open(b, cap)];
    const [s1, s2, s3] = [await open(a, cap), await open(a, cap), await open(a, cap)];
    // Idle times made explicit (tests never wait for time): s1 idle longest, then s2, then s3.
    const now = Date.now();
    await shards
      .forTenant(a.id)
      .zadd(
        sessionIndexKey(a.id),
        { score: now - 30_000, member: s1! },
        { score: now - 20_000, member: s2! },
        { score: now - 10_000, member: s3! },
      );
    expect((await ping(a, s1!, cap)).status).toBe(200); // s1 is now the most recently used

    const s4 = await open(a, cap);
    expect((await ping(a, s2!, cap)).status).toBe(404); // the longest idle went
    for (const s of [s1!, s3!, s4]) expect((await ping(a, s, cap)).status).toBe(200);
    expect(await shards.forTenant(a.id).zcard(sessionIndexKey(a.id))).toBe(3);
    expect(await storedSessions(a.id)).toHaveLength(3);

    // A burst of initializes by A never goes past A's cap and never reaches B.
    for (let i = 0; i < 6; i++) await open(a, cap);
    expect(await storedSessions(a.id)).toHaveLength(3);
    for (const s of ofB) expect((await ping(b, s, cap)).status).toBe(200);
    expect(await storedSessions(b.id)).toHaveLength(2);
  });

  it("expired sessions do not count against the cap", async () => {
    const t = await createTenant("free");
    const ttl = Number(3600);
    // Two index entries whose last use is older than the session TTL: their records are gone.
    await shards
      .forTenant(t.id)
      .zadd(
        sessionIndexKey(t.id),
        { score: Date.now() - (ttl + 60) * 1000, member: "a".repeat(32) },
        { score: Date.now() - (ttl + 30) * 1000, member: "b".repeat(32) },
      );
    const live = [await open(t, cap), await open(t, cap), await open(t, cap)];
    for (const s of live) expect((await ping(t, s, cap)).status).toBe(200);
    expect(await shards.forTenant(t.id).zrange(sessionIndexKey(t.id), 0, -1)).toEqual(expect.arrayContaining(live));
    expect(await shards.forTenant(t.id).zcard(sessionIndexKey(t.id))).toBe(3);
  });

  it("DELETE frees the slot; the index expires with the sessions", async () => {
    const t = await createTenant("free");
    const s = await open(t, cap);
    const ttl = await shards.forTenant(t.id).ttl(sessionIndexKey(t.id));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    const res = await fetchSettled(
      MCP_URL,
      { method: "DELETE", headers: headers(t.apiKey, { "mcp-session-id": s }) },
      cap,
    );
    expect(res.status).toBe(204);
    expect(await shards.forTenant(t.id).zcard(sessionIndexKey(t.id))).toBe(0);
  });

  it("a forged or unknown session id never enters the index", async () => {
    const t = await createTenant("free");
    await open(t, cap);
    for (const forged of ["f".repeat(32), "g".repeat(32)]) expect((await ping(t, forged, cap)).status).toBe(404);
    expect(await shards.forTenant(t.id).zcard(sessionIndexKey(t.id))).toBe(1);
  });
});

describe("session scripts", () => {
  const sha1 = async (text: string): Promise<string> => {
    const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  };

  it("the written-out hash of each session script is its SHA-1", async () => {
    expect(TOUCH_SESSION_SHA).toBe(await sha1(TOUCH_SESSION.source));
    expect(CREATE_SESSION_SHA).toBe(await sha1(CREATE_SESSION.source));
  });

  it("a script Redis has not cached yet is sent once with its source (EVAL fallback); other errors propagate", async () => {
    // Against the real Redis: a script no one has run yet (its text names a fresh id, so the server has never cached
    // it), through a client that records which command it sends and passes each on.
    const calls: string[] = [];
    const spy = {
      evalsha: (...a: Parameters<typeof redis.evalsha>) => {
        calls.push("evalsha");
        return redis.evalsha(...a);
      },
      eval: (...a: Parameters<typeof redis.eval>) => {
        calls.push("eval");
        return redis.eval(...a);
      },
    };
    // The client's methods are generic in their reply type; the spy passes replies through as they come.
    const run = async (script: { source: string }): Promise<unknown> =>
      runKnownScript(spy as never, script, await sha1(script.source), [], []);
    const fresh = { source: `return 'ok' -- ${crypto.randomUUID()}` };
    expect(await run(fresh)).toBe("ok");
    expect(calls).toEqual(["evalsha", "eval"]);
    calls.length = 0;
    expect(await run(fresh)).toBe("ok"); // cached now
    expect(calls).toEqual(["evalsha"]);

    calls.length = 0;
    const failing = { source: `return redis.error_reply('WRONGTYPE not a list') -- ${crypto.randomUUID()}` };
    await expect(run(failing)).rejects.toThrow(/WRONGTYPE/);
    calls.length = 0;
    await expect(run(failing)).rejects.toThrow(/WRONGTYPE/);
    expect(calls).toEqual(["evalsha"]); // cached now: an error that is not NOSCRIPT is not retried with EVAL
  });
});
