import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, inject, it, vi } from "vitest";

// The local cloud's Upstash REST endpoint, driven through the real client from inside workerd.
const cloud = inject("cloud");

type ClientOptions = Partial<ConstructorParameters<typeof Redis>[0]>;

/** A client as the Worker builds one; `retry: false` so a failure shows at once instead of after backoffs. */
function client(options: ClientOptions = {}): Redis {
  return new Redis({
    url: cloud.upstashUrl,
    token: cloud.upstashToken,
    retry: false,
    enableTelemetry: false,
    ...options,
  });
}

/** Keys of one test; Redis db 15 is shared with every other test file. */
function keys(): (name: string) => string {
  const prefix = `test:upstash:${crypto.randomUUID()}:`;
  return (name) => prefix + name;
}

/** A raw REST call, for what the client would hide (status codes, wire encoding). */
async function rest(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(cloud.upstashUrl + path, {
    method: "POST",
    headers: { authorization: `Bearer ${cloud.upstashToken}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const WRONGTYPE = /WRONGTYPE/;

describe.each([
  { encoding: "base64 (the default)", options: {} },
  { encoding: "plain (responseEncoding: false)", options: { responseEncoding: false } },
] satisfies { encoding: string; options: ClientOptions }[])("Upstash REST values, $encoding", ({ options }) => {
  it('keeps "007" a string', async () => {
    const redis = client(options);
    const key = keys()("zeros");
    expect(await redis.set(key, "007")).toBe("OK");
    const value = await redis.get(key);
    expect(value).toBe("007");
  });

  it("round-trips unicode and JSON values", async () => {
    const redis = client(options);
    const k = keys();
    const text = "héllo wörld ☃ 𝄞 😀 \u0000 end";
    const doc = { name: "ünïcode ✓", n: 42, nested: { list: [1, "two", null, true] } };
    await redis.set(k("text"), text);
    await redis.set(k("json"), doc);
    expect(await redis.get(k("text"))).toBe(text);
    expect(await redis.get(k("json"))).toEqual(doc);
    expect(await redis.mget(k("text"), k("missing"), k("json"))).toEqual([text, null, doc]);
  });

  it("stores hashes", async () => {
    const redis = client(options);
    const key = keys()("hash");
    expect(await redis.hset(key, { plan: "pro", limit: 100, label: "Ünïcode", code: "007" })).toBe(4);
    expect(await redis.hget(key, "plan")).toBe("pro");
    expect(await redis.hincrby(key, "limit", 5)).toBe(105);
    expect(await redis.hgetall(key)).toEqual({ plan: "pro", limit: 105, label: "Ünïcode", code: "007" });
    expect(await redis.hgetall(keys()("none"))).toBeNull();
  });

  it("stores sorted sets with scores", async () => {
    const redis = client(options);
    const key = keys()("zset");
    expect(
      await redis.zadd(key, { score: 2.5, member: "b" }, { score: -1, member: "a" }, { score: 10, member: "c" }),
    ).toBe(3);
    expect(await redis.zrange(key, 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis.zrange(key, 0, -1, { withScores: true })).toEqual(["a", -1, "b", 2.5, "c", 10]);
    expect(await redis.zscore(key, "b")).toBe(2.5);
    expect(await redis.zincrby(key, 0.25, "b")).toBe(2.75);
    expect(await redis.zrank(key, "c")).toBe(2);
  });
});

describe("Upstash REST pipelines and transactions", () => {
  it("runs an explicit pipeline in order; a WRONGTYPE in the middle fails only its own command", async () => {
    const redis = client();
    const k = keys();
    const results = await redis
      .pipeline()
      .set(k("str"), "v")
      .lpush(k("str"), "x")
      .incr(k("n"))
      .get(k("str"))
      .exec({ keepErrors: true });
    expect(results.map((r) => r.result)).toEqual(["OK", undefined, 1, "v"]);
    expect(results[1]?.error).toMatch(WRONGTYPE);
    expect(results.filter((r) => r.error !== undefined)).toHaveLength(1);
    // Without keepErrors the client rejects, but the commands after the failed one still ran.
    await expect(redis.pipeline().lpush(k("str"), "y").incr(k("n")).exec()).rejects.toThrow(WRONGTYPE);
    expect(await redis.get(k("n"))).toBe(2);
  });

  it("batches automatic pipelining into one request; the failed command rejects alone", async () => {
    const redis = client();
    const k = keys();
    await redis.set(k("str"), "v");
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    let urls: string[];
    let settled: PromiseSettledResult<unknown>[];
    try {
      // Issued in the same tick: the client sends them as one /pipeline request.
      settled = await Promise.allSettled([redis.set(k("a"), "1"), redis.lpush(k("str"), "x"), redis.incr(k("b"))]);
      urls = fetchSpy.mock.calls.map(([url]) => String(url));
    } finally {
      fetchSpy.mockRestore();
    }
    expect(urls).toEqual([`${cloud.upstashUrl}/pipeline`]);
    const [set, push, incr] = settled;
    expect(set).toEqual({ status: "fulfilled", value: "OK" });
    expect(push).toEqual({
      status: "rejected",
      reason: expect.objectContaining({ message: expect.stringMatching(WRONGTYPE) }),
    });
    expect(incr).toEqual({ status: "fulfilled", value: 1 });
  });

  it("runs multi() as one MULTI/EXEC", async () => {
    const redis = client();
    const k = keys();
    const tx = redis.multi();
    tx.set(k("n"), 1);
    tx.incrby(k("n"), 41);
    tx.hset(k("h"), { f: "x" });
    tx.get(k("n"));
    tx.hgetall(k("h"));
    expect(await tx.exec()).toEqual(["OK", 42, 1, 42, { f: "x" }]);
  });

  it("reports a runtime error inside multi() per command, after the others ran", async () => {
    const redis = client();
    const k = keys();
    const results = await redis.multi().set(k("s"), "v").lpush(k("s"), "x").incr(k("n")).exec({ keepErrors: true });
    expect(results[0]?.result).toBe("OK");
    expect(results[1]?.error).toMatch(WRONGTYPE);
    expect(results[2]?.result).toBe(1);
  });

  it("answers 400 for a transaction Redis discarded, and nothing of it is applied", async () => {
    const key = keys()("discarded");
    const res = await rest("/multi-exec", [["SET", key, "1"], ["NOSUCHCOMMAND"]]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(/EXECABORT/) });
    expect(await client().exists(key)).toBe(0);
  });
});

describe("Upstash REST wire format", () => {
  it("base64-encodes every string except a top-level OK, also inside arrays and pipeline answers", async () => {
    const k = keys();
    const b64 = { "upstash-encoding": "base64" };
    expect(await rest("/", ["SET", k("a"), "007"], b64)).toEqual({ status: 200, body: { result: "OK" } });
    expect(await rest("/", ["GET", k("a")], b64)).toEqual({ status: 200, body: { result: btoa("007") } });
    expect(await rest("/", ["MGET", k("a"), k("none")], b64)).toEqual({
      status: 200,
      body: { result: [btoa("007"), null] },
    });
    expect(await rest("/", ["PING"], b64)).toEqual({ status: 200, body: { result: btoa("PONG") } });
    expect(
      await rest(
        "/pipeline",
        [
          ["SET", k("b"), 7],
          ["INCR", k("b")],
          ["LPUSH", k("a"), "x"],
          ["GET", k("b")],
        ],
        b64,
      ),
    ).toEqual({
      status: 200,
      body: [{ result: "OK" }, { result: 8 }, { error: expect.stringMatching(WRONGTYPE) }, { result: btoa("8") }],
    });
    expect(await rest("/", ["GET", k("a")])).toEqual({ status: 200, body: { result: "007" } });
  });

  it("answers a Redis error with 400 and its message", async () => {
    const key = keys()("s");
    await rest("/", ["SET", key, "v"]);
    expect(await rest("/", ["LPUSH", key, "x"])).toEqual({
      status: 400,
      body: { error: expect.stringMatching(WRONGTYPE) },
    });
  });

  it("rejects a wrong or missing token with 401", async () => {
    const key = keys()("secret");
    await expect(client({ token: "not-the-token" }).get(key)).rejects.toThrow(/Unauthorized/);
    for (const authorization of ["Bearer not-the-token", `Basic ${cloud.upstashToken}`, ""]) {
      const res = await rest("/", ["SET", key, "x"], { authorization });
      expect(res).toEqual({ status: 401, body: { error: expect.any(String) } });
    }
    expect(await client().exists(key)).toBe(0);
  });

  it("returns a sync token the client keeps", async () => {
    const res = await fetch(cloud.upstashUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${cloud.upstashToken}`, "upstash-sync-token": "" },
      body: JSON.stringify(["PING"]),
    });
    await res.body?.cancel();
    expect(res.headers.get("upstash-sync-token")).toMatch(/^\d+$/);
  });
});
