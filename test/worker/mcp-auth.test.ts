// Authentication from the attacker's side: every bad key looks the same; revocation bites inside open sessions.
import { beforeAll, describe, expect, it } from "vitest";
import { keyCacheKey } from "../../src/auth/key-store.ts";
import { admin, createTenant, initializeMessage, openSession, post, redis, revokeKey, type TestTenant } from "./support/fixtures.ts";

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("pro");
});

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

async function outcome(res: Response): Promise<string> {
  return `${res.status} ${res.headers.get("www-authenticate")} ${await res.text()}`;
}

describe("bad credentials", () => {
  it("missing, malformed, unknown, wrong-secret, expired and revoked keys get one identical 401", async () => {
    const [keyIdPart, secret] = tenant.apiKey.slice("tmcp_".length).split("_") as [string, string];
    const flipped = secret.slice(0, -1) + (secret.endsWith("a") ? "b" : "a");
    const expired = await createTenant("free");
    await admin`update public.api_keys set expires_at = now() - interval '1 minute' where id = ${expired.keyId}`;
    await redis.del(keyCacheKey(expired.keyId));
    const revoked = await createTenant("free");
    await revokeKey(revoked.keyId);

    const cases: Record<string, Record<string, string>> = {
      missing: {},
      notBearer: { authorization: `Basic ${btoa("a:b")}` },
      malformed: { authorization: "Bearer tmcp_nope" },
      unknownId: { authorization: `Bearer tmcp_${"a".repeat(16)}_${secret}` },
      wrongSecret: { authorization: `Bearer tmcp_${keyIdPart}_${flipped}` },
      expired: { authorization: `Bearer ${expired.apiKey}` },
      revoked: { authorization: `Bearer ${revoked.apiKey}` },
    };
    const results: Record<string, string> = {};
    for (const [name, headers] of Object.entries(cases)) results[name] = await outcome(await post(initializeMessage(), headers));
    const distinct = new Set(Object.values(results));
    expect(distinct.size, JSON.stringify(results, null, 2)).toBe(1);
    expect(results.missing).toMatch(/^401 Bearer /);
  });

  it("a suspended tenant gets 403", async () => {
    const suspended = await createTenant("free");
    await admin`update public.tenants set status = 'suspended' where id = ${suspended.id}`;
    await redis.del(keyCacheKey(suspended.keyId));
    const res = await post(initializeMessage(), { authorization: `Bearer ${suspended.apiKey}` });
    expect(res.status).toBe(403);
  });

  it("the key is checked on every request, not only at initialize (cached lookups included)", async () => {
    const session = await openSession(tenant.apiKey);
    // The key's lookup is now cached in Redis; a wrong secret for the same key id must still fail.
    const [keyIdPart, secret] = tenant.apiKey.slice("tmcp_".length).split("_") as [string, string];
    const wrong = `tmcp_${keyIdPart}_${secret.slice(0, -1)}${secret.endsWith("a") ? "b" : "a"}`;
    const res = await post(list, { authorization: `Bearer ${wrong}`, "mcp-session-id": session });
    expect(res.status).toBe(401);
  });
});

describe("revocation", () => {
  it("a revoked key gets 401 on its very next request inside an open session", async () => {
    const victim = await createTenant("pro");
    const session = await openSession(victim.apiKey);
    const headers = { authorization: `Bearer ${victim.apiKey}`, "mcp-session-id": session };
    expect((await post(list, headers)).status).toBe(200);
    await revokeKey(victim.keyId);
    expect((await post(list, headers)).status).toBe(401);
  });
});
