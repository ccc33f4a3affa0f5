import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/log/logger.ts";
import { enforceRateLimit } from "../../src/ratelimit/limiter.ts";
import { rateLimitBase, rateLimitPattern, rateLimitWindowKey } from "../../src/redis/keys.ts";
import { singleShard } from "../../src/redis/shards.ts";

// @upstash/ratelimit against the local cloud's Upstash REST endpoint, from inside workerd. Its scripts start with
// `#!lua flags=allow-key-locking`, which stock Redis rejects: these tests fail unless the adapter rewrites them.
const cloud = inject("cloud");

/** The sha @upstash/ratelimit 2.2 names its single-region sliding-window script by (SHA-1 of its text). */
const SLIDING_WINDOW_SHA = "74740bb3d7792848093cdef586b6b6037c455fd6";
/**
 * Far longer than any test run, so no window boundary falls inside a test: the limiter reads the wall clock and
 * offers no way to inject one.
 */
const WINDOW = "1000 d";
const WINDOW_MS = 1000 * 24 * 60 * 60 * 1000;

function redisClient(): Redis {
  return new Redis({ url: cloud.upstashUrl, token: cloud.upstashToken, retry: false, enableTelemetry: false });
}

/** Records which script calls the limiter made and how each ended, e.g. "evalsha:NOSCRIPT", "eval:ok". */
function recording(redis: Redis, calls: string[]): Redis {
  return new Proxy(redis, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if ((prop !== "eval" && prop !== "evalsha") || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          const result: unknown = await value.apply(target, args);
          calls.push(`${prop}:ok`);
          return result;
        } catch (error) {
          calls.push(`${prop}:${String(error).includes("NOSCRIPT") ? "NOSCRIPT" : String(error)}`);
          throw error;
        }
      };
    },
  });
}

/** A limiter with exact counts: no in-memory block cache, no analytics, no fail-open timeout to mask errors. */
function limiter(redis: Redis, tokens: number): Ratelimit {
  return new Ratelimit({
    redis,
    limiter: Ratelimit.slidingWindow(tokens, WINDOW),
    ephemeralCache: false,
    analytics: false,
    timeout: 0,
    enableProtection: false,
    prefix: `test:ratelimit:${crypto.randomUUID()}`,
  });
}

describe("@upstash/ratelimit sliding window through the local cloud", () => {
  it("allows exactly N requests in a window, then refuses, with remaining and reset", async () => {
    const ratelimit = limiter(redisClient(), 3);
    const reset = (Math.floor(Date.now() / WINDOW_MS) + 1) * WINDOW_MS;
    const results = [];
    for (let i = 0; i < 5; i++) {
      const { success, limit, remaining, reset: at, reason } = await ratelimit.limit("tenant-a");
      results.push({ success, limit, remaining, reset: at, reason });
    }
    expect(results).toEqual([
      { success: true, limit: 3, remaining: 2, reset, reason: undefined },
      { success: true, limit: 3, remaining: 1, reset, reason: undefined },
      { success: true, limit: 3, remaining: 0, reset, reason: undefined },
      { success: false, limit: 3, remaining: 0, reset, reason: undefined },
      { success: false, limit: 3, remaining: 0, reset, reason: undefined },
    ]);
    // Identifiers are counted apart.
    expect((await ratelimit.limit("tenant-b")).remaining).toBe(2);
  });

  it("falls back from EVALSHA to EVAL on NOSCRIPT, then reuses the loaded script, also after SCRIPT FLUSH", async () => {
    const redis = redisClient();
    const calls: string[] = [];
    const ratelimit = limiter(recording(redis, calls), 10);

    await redis.scriptFlush();
    expect(await redis.scriptExists(SLIDING_WINDOW_SHA)).toEqual([0]);
    expect((await ratelimit.limit("id")).remaining).toBe(9);
    expect(calls.splice(0)).toEqual(["evalsha:NOSCRIPT", "eval:ok"]);

    // EVAL loaded the (rewritten) script; the client's own sha now finds it.
    expect(await redis.scriptExists(SLIDING_WINDOW_SHA)).toEqual([1]);
    expect((await ratelimit.limit("id")).remaining).toBe(8);
    expect(calls.splice(0)).toEqual(["evalsha:ok"]);

    expect(await redis.scriptFlush()).toBe("OK");
    expect(await redis.scriptExists(SLIDING_WINDOW_SHA)).toEqual([0]);
    expect((await ratelimit.limit("id")).remaining).toBe(7);
    expect(calls.splice(0)).toEqual(["evalsha:NOSCRIPT", "eval:ok"]);
  });

  it("answers SCRIPT LOAD with the sha of the script as sent, which EVALSHA then runs", async () => {
    const redis = redisClient();
    const script = "#!lua flags=allow-key-locking,no-writes\nreturn {ARGV[1], 'line ' .. 2}";
    const sha = await redis.scriptLoad(script);
    const expected = [...new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(script)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(sha).toBe(expected);
    expect(await redis.scriptExists(sha, "0".repeat(40))).toEqual([1, 0]);
    expect(await redis.evalsha(sha, [], ["hi"])).toEqual(["hi", "line 2"]);
  });
});

describe("the tenant limiter's counters in Redis", () => {
  it("are named tmcp:rl:<tenantId>:<window>, the shape the builders give and the tenant purge pattern matches", async () => {
    const redis = redisClient();
    const tenant = { id: crypto.randomUUID(), rateLimitPerMinute: 5 };
    const deps = {
      shards: singleShard(redis),
      config: { rateLimitOnError: "closed" as const, rateLimitTimeoutMs: 0 },
      log: createLogger({}),
      now: () => Date.now(),
    };
    const before = Math.floor(Date.now() / 60_000);
    await enforceRateLimit(tenant, deps);
    const after = Math.floor(Date.now() / 60_000);
    const keys: string[] = [];
    let cursor: string | number = 0;
    do {
      const [next, batch]: [string | number, string[]] = await redis.scan(cursor, {
        match: rateLimitPattern(tenant.id),
        count: 1000,
      });
      keys.push(...batch);
      cursor = next;
    } while (String(cursor) !== "0");
    // A minute boundary may fall between the two readings of the clock; the counter is in one of the two windows.
    expect(keys).toHaveLength(1);
    expect([before, after].map((w) => rateLimitWindowKey(rateLimitBase(tenant.id), w))).toContain(keys[0]);
    expect(keys[0]).toMatch(new RegExp(`^tmcp:rl:${tenant.id}:\\d+$`));
    await redis.del(...keys);
  });
});
