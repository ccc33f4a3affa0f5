import { describe, expect, it } from "vitest";
import {
  consoleSessionKey,
  RATE_LIMIT_PREFIX,
  auditQueueKey,
  auditTenantsKey,
  clientAnswerKey,
  clientRequestKey,
  clientRequestPattern,
  quotaKey,
  quotaPattern,
  keyCacheKey,
  rateLimitBase,
  rateLimitPattern,
  rateLimitWindowKey,
  sessionIndexKey,
  sessionKey,
  sessionPattern,
  oidcFlowKey,
  oidcFlowPattern,
  taskIndexKey,
  taskKey,
  taskPattern,
  tenantStatePatterns,
  streamSlotsKey,
  tenantEventsKey,
} from "../../src/redis/keys.ts";

// Redis keys are a storage format: entries written by one deploy are read by the next, and the admin CLI deletes a
// tenant's state by pattern. Each builder is pinned to the literal shape it had before the builders moved into one
// module, so a rename fails here instead of orphaning live sessions, counters and cache entries.
const TENANT = "7d0c7a5e-1f2b-4c3d-8e9f-0a1b2c3d4e5f";
const SESSION = "AbCdEfGhIjKlMnOpQrStUvWxYz012_-9";

describe("Redis key shapes", () => {
  it("caches a key lookup under tmcp:key:<keyId>", () => {
    expect(keyCacheKey("k_0123456789abcdef")).toBe("tmcp:key:k_0123456789abcdef");
  });

  it("stores a session under tmcp:sess:<tenantId>:<sessionId> and its index under tmcp:sess:<tenantId>:live", () => {
    expect(sessionKey(TENANT, SESSION)).toBe(`tmcp:sess:${TENANT}:${SESSION}`);
    expect(sessionIndexKey(TENANT)).toBe(`tmcp:sess:${TENANT}:live`);
    expect(sessionPattern(TENANT)).toBe(`tmcp:sess:${TENANT}:*`);
  });

  it("counts a tenant's requests under tmcp:rl:<tenantId>:<window>, as @upstash/ratelimit names them", () => {
    expect(RATE_LIMIT_PREFIX).toBe("tmcp:rl");
    // What Ratelimit passes its algorithm: [prefix, identifier].join(":").
    expect(rateLimitBase(TENANT)).toBe([RATE_LIMIT_PREFIX, TENANT].join(":"));
    expect(rateLimitWindowKey(rateLimitBase(TENANT), 29_482_113)).toBe(`tmcp:rl:${TENANT}:29482113`);
    expect(rateLimitPattern(TENANT)).toBe(`tmcp:rl:${TENANT}:*`);
  });

  it("keeps a pending OpenID Connect sign-in under tmcp:oidc:<tenantId>:<state>", () => {
    expect(oidcFlowKey(TENANT, "st4te")).toBe(`tmcp:oidc:${TENANT}:st4te`);
    expect(oidcFlowPattern(TENANT)).toBe(`tmcp:oidc:${TENANT}:*`);
  });

  it("queues a tenant's audit rows under tmcp:audit:<tenantId>, and the tenants with rows under tmcp:audit:tenants", () => {
    expect(auditQueueKey(TENANT)).toBe(`tmcp:audit:${TENANT}`);
    expect(auditTenantsKey()).toBe("tmcp:audit:tenants");
  });

  it("counts a tenant's tool calls of a month under tmcp:quota:<tenantId>:<YYYY-MM>", () => {
    expect(quotaKey(TENANT, "2026-12")).toBe(`tmcp:quota:${TENANT}:2026-12`);
    expect(quotaPattern(TENANT)).toBe(`tmcp:quota:${TENANT}:*`);
  });

  it("keeps a mid-call request to a session's client and its answer under tmcp:ask:<tenantId>:<sessionId>:<id>", () => {
    expect(clientRequestKey(TENANT, SESSION, "ask-1")).toBe(`tmcp:ask:${TENANT}:${SESSION}:ask-1:q`);
    expect(clientAnswerKey(TENANT, SESSION, "ask-1")).toBe(`tmcp:ask:${TENANT}:${SESSION}:ask-1:a`);
    expect(clientRequestPattern(TENANT)).toBe(`tmcp:ask:${TENANT}:*`);
  });

  it("keeps a web console session under tmcp:console:<digest of its id>", () => {
    expect(consoleSessionKey("ab12")).toBe("tmcp:console:ab12");
  });

  it("purges a tenant with patterns that match its keys and no other tenant's", () => {
    expect(tenantStatePatterns(TENANT)).toEqual([
      `tmcp:sess:${TENANT}:*`,
      `tmcp:rl:${TENANT}:*`,
      `tmcp:oidc:${TENANT}:*`,
      `tmcp:audit:${TENANT}`,
      `tmcp:quota:${TENANT}:*`,
      `tmcp:ask:${TENANT}:*`,
      `tmcp:ev:${TENANT}`,
      `tmcp:streams:${TENANT}`,
      `tmcp:task:${TENANT}:*`,
    ]);
  });

  it("keeps a tenant's change events and open-stream slots under keys that name it", () => {
    expect(tenantEventsKey(TENANT)).toBe(`tmcp:ev:${TENANT}`);
    expect(streamSlotsKey(TENANT)).toBe(`tmcp:streams:${TENANT}`);
  });

  it("stores a task under tmcp:task:<tenantId>:<taskId> and the tenant's task index under tmcp:task:<tenantId>:live", () => {
    const task = "0b6f3c1e-8f5a-4d2b-9c3e-1a2b3c4d5e6f";
    expect(taskKey(TENANT, task)).toBe(`tmcp:task:${TENANT}:${task}`);
    expect(taskIndexKey(TENANT)).toBe(`tmcp:task:${TENANT}:live`);
    expect(taskPattern(TENANT)).toBe(`tmcp:task:${TENANT}:*`);
  });
});
