import { describe, expect, it } from "vitest";
import { createShards, parseShardList, shardEndpoints, shardOf } from "../../src/redis/shards.ts";
import { familyOf } from "../../scripts/admin/reshard.ts";

describe("shard placement (src/redis/shards.ts)", () => {
  it("is pinned: a deploy that moved ids between shards would strand their state", () => {
    expect([1, 2, 3, 4].map((n) => shardOf("00000000-0000-4000-8000-000000000001", n))).toEqual([0, 1, 2, 3]);
    expect([1, 2, 3, 4].map((n) => shardOf("7f1c2d3e-aaaa-4bbb-8ccc-000000000042", n))).toEqual([0, 0, 2, 2]);
    expect([1, 2, 3, 4].map((n) => shardOf("k_abc123", n))).toEqual([0, 1, 1, 1]);
  });

  it("spreads ids evenly, and a shard appended takes ids only from the others, never moving one between old ones", () => {
    const counts = [0, 0, 0];
    let moved = 0;
    for (let i = 0; i < 6000; i++) {
      const id = crypto.randomUUID();
      const before = shardOf(id, 3);
      counts[before] = (counts[before] ?? 0) + 1;
      const after = shardOf(id, 4);
      if (after !== before) {
        expect(after).toBe(3);
        moved++;
      }
    }
    for (const n of counts) expect(Math.abs(n - 2000)).toBeLessThan(200);
    expect(Math.abs(moved / 6000 - 0.25)).toBeLessThan(0.03);
  });

  it("routes tenants and keys each by their own id, and makes a client once per shard", () => {
    let made = 0;
    const shards = createShards(
      [1, 2, 3].map((i) => ({ url: `http://s${i}`, token: `t${i}` })),
      (e) => ({ url: e.url, n: ++made }),
    );
    const tenant = "00000000-0000-4000-8000-000000000001";
    expect(shards.forTenant(tenant).url).toBe("http://s3");
    expect(shards.forKey(tenant)).toBe(shards.forTenant(tenant));
    expect(shards.forTenant(tenant)).toBe(shards.at(2));
    expect(made).toBe(1);
    expect(() => shards.at(3)).toThrow(/no Redis shard 3/);
  });
});

describe("UPSTASH_SHARDS", () => {
  const single = { UPSTASH_REDIS_REST_URL: "https://one.upstash.io", UPSTASH_REDIS_REST_TOKEN: "tok" };

  it("absent or empty: the single-database variables are a list of one", () => {
    expect(shardEndpoints(single)).toEqual([{ url: "https://one.upstash.io", token: "tok" }]);
    expect(shardEndpoints({ ...single, UPSTASH_SHARDS: " " })).toEqual([
      { url: "https://one.upstash.io", token: "tok" },
    ]);
  });

  it("set: replaces them", () => {
    const list = [
      { url: "https://a.upstash.io/", token: "ta" },
      { url: "https://b.upstash.io", token: "tb" },
    ];
    expect(shardEndpoints({ ...single, UPSTASH_SHARDS: JSON.stringify(list) })).toEqual([
      { url: "https://a.upstash.io", token: "ta" },
      { url: "https://b.upstash.io", token: "tb" },
    ]);
  });

  it("malformed: refused with a message that never quotes a token", () => {
    for (const bad of [
      "not json",
      "[]",
      '{"url":"https://a","token":"secret-1"}',
      '[{"url":"https://a"}]',
      '[{"url":"ftp://a","token":"secret-1"}]',
      '[{"url":"https://a","token":"secret-1"},{"url":"https://a/","token":"secret-2"}]',
    ]) {
      let message = "";
      try {
        parseShardList(bad, "UPSTASH_SHARDS");
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, bad).toMatch(/^UPSTASH_SHARDS/);
      expect(message).not.toMatch(/secret/);
    }
  });
});

describe("redis reshard: the family of each key (scripts/admin/reshard.ts)", () => {
  const t = "7f1c2d3e-aaaa-4bbb-8ccc-000000000042";
  it("places every key that names a tenant by that tenant, and leaves caches and unknown keys alone", () => {
    expect(familyOf(`tmcp:sess:${t}:${"s".repeat(32)}`)).toEqual({ kind: "tenant", tenantId: t, as: "session" });
    expect(familyOf(`tmcp:sess:${t}:live`)).toEqual({ kind: "tenant", tenantId: t, as: "index" });
    expect(familyOf(`tmcp:rl:${t}:29012345`)).toEqual({ kind: "tenant", tenantId: t, as: "counter" });
    expect(familyOf(`tmcp:quota:${t}:2026-12`)).toEqual({ kind: "tenant", tenantId: t, as: "counter" });
    expect(familyOf(`tmcp:oidc:${t}:state`)).toEqual({ kind: "tenant", tenantId: t, as: "once" });
    expect(familyOf(`tmcp:revoked:user:${t}:alice`)).toEqual({ kind: "tenant", tenantId: t, as: "latest" });
    expect(familyOf(`tmcp:audit:${t}`)).toEqual({ kind: "tenant", tenantId: t, as: "audit" });
    expect(familyOf("tmcp:revoked:grant:abcdefghijklmnop")).toEqual({ kind: "grant" });
    for (const cache of [`tmcp:key:k_abc`, `tmcp:tenant:${t}`, "tmcp:audit:tenants", "tmcp:reshard:base:x"])
      expect(familyOf(cache)).toEqual({ kind: "cache" });
    expect(familyOf("tmcp:something-new:1")).toEqual({ kind: "unknown" });
  });
});

describe("the previous shard list, during a reshard", () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `http://s${i}`, token: `t${i}` }));
  it("names a tenant's old shard only when it is another database than its shard now", () => {
    const shards = createShards(list(3), (e) => e.url, list(2));
    let moved = 0;
    for (let i = 0; i < 200; i++) {
      const id = crypto.randomUUID();
      const before = shards.previousForTenant(id);
      if (shards.tenantShard(id) === 2) {
        moved++;
        expect(before).toBe(`http://s${shardOf(id, 2)}`);
      } else expect(before).toBeUndefined();
    }
    expect(moved).toBeGreaterThan(0);
    expect(createShards(list(3), (e) => e.url).previousForTenant("x")).toBeUndefined();
  });
});
