// Admission remembers, per isolate, which tenant a presented key belonged to, so the rate limit and session lookup
// can start with the key lookup. These tests prove the memory is only ever a guess: every request still verifies
// its key, and nothing it does can spend a tenant's budget for a caller without the full key.
import { describe, expect, it, vi } from "vitest";
import { rotateKey } from "../../src/control/keys.ts";
import { mintApiKey } from "../../src/auth/api-key.ts";
import { Redis } from "@upstash/redis/cloudflare";
import { recordFingerprint, type KeyRecord } from "../../src/auth/key-store.ts";
import { keyCacheKey } from "../../src/redis/keys.ts";
import { LIVE_KEY_WINDOW_SCRIPT, LIVE_KEY_WINDOW_SHA1 } from "../../src/ratelimit/live-key-window.ts";
import { WARM_READ, WARM_READ_SHA } from "../../src/admission/warm-read.ts";
import { COUNT, COUNT_SHA } from "../../src/quota/meter.ts";
import { adminTenant, deps, fetchSettled } from "./admin-support.ts";
import {
  admin,
  cloud,
  createTenant,
  initializeMessage,
  MCP_URL,
  openSession,
  post,
  revokeKey,
  shards,
  dropCachedKey,
} from "./support/fixtures.ts";

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

function wrongSecret(apiKey: string): string {
  return apiKey.slice(0, -1) + (apiKey.endsWith("a") ? "b" : "a");
}

describe("remembered keys", () => {
  it("a wrong secret for a remembered key id spends none of the tenant's budget", async () => {
    const tenant = await createTenant("free", { rateLimitPerMinute: 5 });
    const session = await openSession(tenant.apiKey); // 1 of 5; the key is now remembered
    const headers = { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": session };
    expect((await post(list, headers)).headers.get("ratelimit-remaining")).toBe("3");

    for (let i = 0; i < 4; i++) {
      const res = await post(list, { ...headers, authorization: `Bearer ${wrongSecret(tenant.apiKey)}` });
      expect(res.status).toBe(401);
    }
    const after = await post(list, headers);
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit-remaining")).toBe("2");
  });

  it("a remembered key that is revoked fails on its very next request", async () => {
    const tenant = await createTenant("pro");
    const session = await openSession(tenant.apiKey);
    const headers = { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": session };
    for (let i = 0; i < 3; i++) expect((await post(list, headers)).status).toBe(200);
    await revokeKey(tenant.keyId);
    expect((await post(list, headers)).status).toBe(401);
  });

  it("a changed rate limit applies to the very next request of a remembered key", async () => {
    const tenant = await createTenant("pro", { rateLimitPerMinute: 50 });
    const session = await openSession(tenant.apiKey);
    const headers = { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": session };
    expect((await post(list, headers)).headers.get("ratelimit-limit")).toBe("50");
    await admin`update public.tenants set rate_limit_per_minute = 7 where id = ${tenant.id}`;
    await dropCachedKey(tenant.keyId);
    const next = await post(list, headers);
    expect(next.status).toBe(200);
    expect(next.headers.get("ratelimit-limit")).toBe("7");
  });

  it("a remembered key still finds only its own tenant's sessions", async () => {
    const [a, b] = await Promise.all([createTenant("pro"), createTenant("pro")]);
    const sessionOfA = await openSession(a.apiKey);
    await openSession(b.apiKey); // b's key is remembered
    const res = await post(list, { authorization: `Bearer ${b.apiKey}`, "mcp-session-id": sessionOfA });
    expect(res.status).toBe(404);
  });
});

// A key that stopped being valid must cost its tenant nothing, however many requests with it are in flight at once,
// in an isolate that remembers it from when it was valid.
describe("a remembered key that is no longer valid", () => {
  const BURST = 150;

  /** A second key of `tenant`, inserted as the admin would. */
  async function secondKey(tenant: { id: string }): Promise<{ apiKey: string; keyId: string }> {
    const key = await mintApiKey(cloud.apiKeyPepper);
    await admin`insert into public.api_keys (id, tenant_id, name, secret_hash) values (${key.keyId}, ${tenant.id}, 'second', ${key.secretHash})`;
    return { apiKey: key.apiKey, keyId: key.keyId };
  }

  async function remaining(apiKey: string): Promise<number> {
    const res = await post(initializeMessage(), { authorization: `Bearer ${apiKey}` });
    expect(res.status).toBe(200);
    return Number(res.headers.get("ratelimit-remaining"));
  }

  /**
   * Uses `apiKey` twice: the first request makes the isolate remember it, the second takes the remembered path (and
   * so has Redis load its script, as any warm request in production already has).
   */
  async function remembered(apiKey: string): Promise<void> {
    await remaining(apiKey);
    await remaining(apiKey);
  }

  /**
   * Sends BURST concurrent requests with `apiKey`; every one must be refused: 401, or 503 when the local cloud cannot
   * answer that many key lookups within REDIS_TIMEOUT_MS on a busy machine (refused all the same). The 503s are the
   * machine's, not the early script's: at load ~10 on two cores, bursts of 150 got 503s in about a third of the runs
   * with and without the script (432 vs 504 of 1350), and the cold path, which sends no script at all, got them too.
   */
  async function burst(apiKey: string): Promise<void> {
    const statuses = await Promise.all(
      Array.from({ length: BURST }, () =>
        post(initializeMessage(), { authorization: `Bearer ${apiKey}` }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s !== 401 && s !== 503)).toEqual([]);
  }

  /**
   * Units of the tenant's budget the burst spent: the valid key's remaining count before and after, less its own.
   * The clock stands still from after `makeInvalid` (whose revocation or expiry the Worker compares with its clock):
   * a sliding window's carry-over from the previous minute shrinks as time passes, which would give back units (and
   * hide spent ones) whenever the test runs across a window boundary.
   */
  async function spentBy(tenantKey: string, stale: string, makeInvalid: () => Promise<void>): Promise<number> {
    await makeInvalid();
    const ownClock = !vi.isFakeTimers();
    if (ownClock) vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    try {
      const before = await remaining(tenantKey);
      await burst(stale);
      return before - (await remaining(tenantKey)) - 1;
    } finally {
      if (ownClock) vi.useRealTimers();
    }
  }

  it("revoked: the burst spends none of the tenant's budget", async () => {
    const tenant = await createTenant("pro", { rateLimitPerMinute: 60 });
    const k2 = await secondKey(tenant);
    await remembered(k2.apiKey);
    expect(await spentBy(tenant.apiKey, k2.apiKey, () => revokeKey(k2.keyId))).toBe(0);
  });

  it("expired: the burst spends none of the tenant's budget", async () => {
    const tenant = await createTenant("pro", { rateLimitPerMinute: 60 });
    const k2 = await secondKey(tenant);
    await remembered(k2.apiKey);
    const expire = async (): Promise<void> => {
      await admin`update public.api_keys set expires_at = now() - interval '1 hour' where id = ${k2.keyId}`;
      await dropCachedKey(k2.keyId);
    };
    expect(await spentBy(tenant.apiKey, k2.apiKey, expire)).toBe(0);
  });

  it("past a rotation's grace: the burst spends none of the tenant's budget", async () => {
    const tenant = await adminTenant("pro", { rateLimitPerMinute: 60 });
    const rotated = await rotateKey(deps, tenant.keyId, { graceSeconds: 30 });
    await remembered(tenant.apiKey); // the old key, inside its grace, is remembered with its end of grace
    // Time moves past the grace; the cached record (revoked_at in the future when it was read) is still in Redis.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 31_000);
      expect(await spentBy(rotated.apiKey, tenant.apiKey, async () => {})).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the remembered path's Redis script", () => {
  it("its fingerprint is the beginning of the cache entry the key store writes, so a live key counts in one script", async () => {
    const tenant = await createTenant("pro");
    const res = await fetchSettled(MCP_URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tenant.apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(initializeMessage()),
    });
    expect(res.status).toBe(200);
    // The key's own shard (the only one in the worker project).
    const shard = cloud.upstashShards[shards.keyShard(tenant.keyId)]!;
    const raw = new Redis({
      url: shard.url,
      token: shard.token,
      enableTelemetry: false,
      automaticDeserialization: false,
    });
    const entry = await raw.get<string>(keyCacheKey(tenant.keyId));
    const record = (JSON.parse(entry!) as { record: KeyRecord }).record;
    expect(entry!.startsWith(recordFingerprint(record))).toBe(true);
  });

  it("is named by the SHA-1 of its text", async () => {
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-1", new TextEncoder().encode(LIVE_KEY_WINDOW_SCRIPT)),
    );
    expect([...digest].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(LIVE_KEY_WINDOW_SHA1);
  });

  it("the warm read script too", async () => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(WARM_READ.source)));
    expect([...digest].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(WARM_READ_SHA);
  });

  it("and the monthly count's", async () => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(COUNT.source)));
    expect([...digest].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(COUNT_SHA);
  });
});
