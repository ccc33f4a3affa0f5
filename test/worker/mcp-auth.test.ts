// Authentication from the attacker's side: every bad key looks the same; revocation bites inside open sessions.
import { beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  createTenant,
  initializeMessage,
  MCP_URL,
  openSession,
  post,
  revokeKey,
  type TestTenant,
  dropCachedKey,
} from "./support/fixtures.ts";
import { statelessMessage, postStateless } from "./support/stateless.ts";

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("pro");
});

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

// The one public answer to every bad credential, and what RFC 6750 section 3 says the challenge carries.
const HINT = "Missing or invalid API key: send Authorization: Bearer tmcp_<key id>_<secret>";
const CHALLENGE = `Bearer realm="tenant-mcp", error="invalid_token", error_description="${HINT}"`;

/** Every way a key can be wrong (made once per file), by the headers that present it (the first two present no bearer token at all). */
let credentials: Promise<Record<string, Record<string, string>>> | undefined;
function badCredentials(): Promise<Record<string, Record<string, string>>> {
  return (credentials ??= makeBadCredentials());
}

async function makeBadCredentials(): Promise<Record<string, Record<string, string>>> {
  const [keyIdPart, secret] = tenant.apiKey.slice("tmcp_".length).split("_") as [string, string];
  const flipped = secret.slice(0, -1) + (secret.endsWith("a") ? "b" : "a");
  const expired = await createTenant("free");
  await admin`update public.api_keys set expires_at = now() - interval '1 minute' where id = ${expired.keyId}`;
  await dropCachedKey(expired.keyId);
  const revoked = await createTenant("free");
  await revokeKey(revoked.keyId);
  return {
    missing: {},
    notBearer: { authorization: `Basic ${btoa("a:b")}` },
    malformed: { authorization: "Bearer tmcp_nope" },
    unknownId: { authorization: `Bearer tmcp_${"a".repeat(16)}_${secret}` },
    wrongSecret: { authorization: `Bearer tmcp_${keyIdPart}_${flipped}` },
    expired: { authorization: `Bearer ${expired.apiKey}` },
    revoked: { authorization: `Bearer ${revoked.apiKey}` },
  };
}

const lanes: Record<string, (headers: Record<string, string>) => Promise<Response>> = {
  session: (headers) => post(initializeMessage(), headers),
  stateless: (headers) => postStateless(statelessMessage("tools/list"), headers),
};

describe("bad credentials", () => {
  for (const [lane, send] of Object.entries(lanes)) {
    it(`${lane} lane: every cause gets one identical 401 body that says how to send the key`, async () => {
      const results: Record<string, string> = {};
      for (const [name, headers] of Object.entries(await badCredentials())) {
        const res = await send(headers);
        results[name] = `${res.status} ${await res.text()}`;
      }
      expect(new Set(Object.values(results)).size, JSON.stringify(results, null, 2)).toBe(1);
      const [status, body] = [results.missing!.slice(0, 3), JSON.parse(results.missing!.slice(4))];
      expect(status).toBe("401");
      expect(body).toEqual({ jsonrpc: "2.0", error: { code: -32000, message: HINT }, id: null });
    });

    it(`${lane} lane: a presented but bad key gets one identical challenge naming the error; no key gets one without`, async () => {
      const challenges: Record<string, string | null> = {};
      for (const [name, headers] of Object.entries(await badCredentials())) {
        challenges[name] = (await send(headers)).headers.get("www-authenticate");
      }
      const { missing, notBearer, ...presented } = challenges;
      // RFC 6750 section 3.1: a request without credentials gets no error code (nor other error information). Where
      // OAuth is offered (PUBLIC_BASE_URL, set for these tests) it points at the protected resource metadata instead
      // (test/worker/oauth-resource.test.ts); without it, the bare `Bearer realm="tenant-mcp"` of before.
      const toMetadata = `Bearer resource_metadata="${new URL(MCP_URL).origin}/.well-known/oauth-protected-resource/mcp", scope="mcp:read mcp:write"`;
      expect(missing).toBe(toMetadata);
      expect(notBearer).toBe(toMetadata);
      for (const [name, value] of Object.entries(presented)) expect(value, name).toBe(CHALLENGE);
    });
  }

  it("a suspended tenant gets 403", async () => {
    const suspended = await createTenant("free");
    await admin`update public.tenants set status = 'suspended' where id = ${suspended.id}`;
    await dropCachedKey(suspended.keyId);
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
