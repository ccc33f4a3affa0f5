// A tenant switching a sign-in method off, and the end of the API key a grant was signed in with (revoked, rotated
// past its grace period, expired), reach OAuth callers on their very next request, inside an open session; grants of
// other methods and other keys go on working.
import { describe, expect, it } from "vitest";
import { invalidateCachedKeys } from "../../src/auth/key-store.ts";
import { createKey, revokeKey, rotateKey } from "../../src/control/keys.ts";
import { setTenantLogin } from "../../src/control/login.ts";
import { admin, controlDeps, redis, type TestTenant } from "./support/fixtures.ts";
import { authorizeWithKey, BASE, mcpPost, openOAuthSession } from "./support/oauth.ts";
import { authorizeWithOidc, loginDeps, oidcTenant } from "./support/oauth-oidc.ts";
import { singleShard } from "../../src/redis/shards.ts";

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

/** A token in an open session, and one request inside it: its status (with the challenge when refused). */
interface Caller {
  request(): Promise<number>;
}

async function inSession(token: string): Promise<Caller> {
  const session = await openOAuthSession(BASE, token);
  const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
  const caller = {
    async request(): Promise<number> {
      const res = await mcpPost(BASE, token, list, headers);
      if (res.status === 401) expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      return res.status;
    },
  };
  expect(await caller.request()).toBe(200);
  return caller;
}

async function withKey(tenant: TestTenant, apiKey = tenant.apiKey): Promise<Caller> {
  return inSession((await authorizeWithKey(BASE, { apiKey, tenant: tenant.slug })).tokens.access_token);
}

async function withOidc(tenant: TestTenant): Promise<Caller> {
  return inSession((await authorizeWithOidc(BASE, tenant)).access_token);
}

describe("switching a sign-in method off", { timeout: 30_000 }, () => {
  it("OpenID Connect off: its grants fail on the next request, API-key grants go on", async () => {
    const t = await oidcTenant();
    const [oidcCaller, keyCaller] = [await withOidc(t), await withKey(t)];
    await setTenantLogin(loginDeps, t.slug, { disableOidc: true });
    expect(await oidcCaller.request()).toBe(401);
    expect(await keyCaller.request()).toBe(200);
  });

  it("API-key sign-in off: its grants fail on the next request, OpenID Connect grants go on; on again, they work", async () => {
    const t = await oidcTenant();
    const [oidcCaller, keyCaller] = [await withOidc(t), await withKey(t)];
    await setTenantLogin(loginDeps, t.slug, { apiKeyLogin: false });
    expect(await keyCaller.request()).toBe(401);
    expect(await oidcCaller.request()).toBe(200);
    // The grant itself was not deleted: switching the method back on while the token lives brings it back.
    await setTenantLogin(loginDeps, t.slug, { apiKeyLogin: true });
    expect(await keyCaller.request()).toBe(200);
  });
});

describe("the end of the API key a grant was signed in with", { timeout: 30_000 }, () => {
  it("key revoke: its grants fail on the next request; a grant of another key of the tenant goes on", async () => {
    const t = await oidcTenant();
    const other = await createKey(controlDeps, t.slug);
    const [revoked, kept, viaOidc] = [await withKey(t), await withKey(t, other.apiKey), await withOidc(t)];
    await revokeKey(controlDeps, t.keyId);
    expect(await revoked.request()).toBe(401);
    expect(await kept.request()).toBe(200);
    expect(await viaOidc.request()).toBe(200);
  });

  it("key rotate: its grants work through the grace period and fail once it is over", async () => {
    const t = await oidcTenant();
    const caller = await withKey(t);
    await rotateKey(controlDeps, t.keyId, { graceSeconds: 3600 });
    expect(await caller.request()).toBe(200);
    // The grace period ends (as the clock would end it; the cache holds the key's revocation time).
    await admin`update public.api_keys set revoked_at = now() - interval '1 second' where id = ${t.keyId}`;
    await invalidateCachedKeys(singleShard(redis), [t.keyId]);
    expect(await caller.request()).toBe(401);
  });

  it("key expiry: its grants fail once the key has expired", async () => {
    const t = await oidcTenant();
    const key = await createKey(controlDeps, t.slug, { expiresInSeconds: 3600 });
    const caller = await withKey(t, key.apiKey);
    await admin`update public.api_keys set expires_at = now() - interval '1 second' where id = ${key.keyId}`;
    await invalidateCachedKeys(singleShard(redis), [key.keyId]);
    expect(await caller.request()).toBe(401);
  });
});
