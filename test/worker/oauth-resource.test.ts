// The resource-server side of OAuth: protected resource metadata (RFC 9728) per host, exactly, and the challenges of
// /mcp, which point OAuth clients at it without ever turning a client configured with an API key towards OAuth.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKeyPrincipal } from "../../src/auth/principal.ts";
import { insufficientScope, invalidOAuthToken, missingCredentials } from "../../src/auth/challenge.ts";
import type { TenantContext } from "../../src/tenancy/tenant.ts";
import { fetchSettled } from "./admin-support.ts";
import { admin, createTenant, initializeMessage, MCP_URL, post, redis, type TestTenant } from "./support/fixtures.ts";
import { postStateless, statelessMessage } from "./support/stateless.ts";
import { keyCacheKey } from "../../src/redis/keys.ts";

// vitest.config.ts sets PUBLIC_BASE_URL to the origin of MCP_URL.
const ORIGIN = new URL(MCP_URL).origin;
const PRM = `${ORIGIN}/.well-known/oauth-protected-resource/mcp`;
const KEY_HINT = "Missing or invalid API key: send Authorization: Bearer tmcp_<key id>_<secret>";
const API_KEY_CHALLENGE = `Bearer realm="tenant-mcp", error="invalid_token", error_description="${KEY_HINT}"`;
const SUFFIX = { TENANT_HOST_SUFFIX: "mcp.example.com" };

function metadata(resource: string, origin: string): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [origin],
    scopes_supported: ["mcp:read", "mcp:write"],
    bearer_methods_supported: ["header"],
    resource_name: "tenant-mcp",
  };
}

describe("protected resource metadata", () => {
  it("on the shared host: the path-inserted document names <origin>/mcp, the root one the origin", async () => {
    const path = await SELF.fetch(PRM);
    expect(path.status).toBe(200);
    expect(path.headers.get("content-type")).toMatch(/^application\/json/);
    expect(path.headers.get("access-control-allow-origin")).toBe("*");
    expect(await path.json()).toEqual(metadata(`${ORIGIN}/mcp`, ORIGIN));

    const root = await SELF.fetch(`${ORIGIN}/.well-known/oauth-protected-resource`);
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(metadata(ORIGIN, ORIGIN));
  });

  it("on a tenant host: that host's resource and issuer, the scheme and port of PUBLIC_BASE_URL", async () => {
    const vars = { ...SUFFIX, PUBLIC_BASE_URL: "https://mcp.example.com:8443" };
    const res = await fetchSettled("https://Acme.mcp.example.com/.well-known/oauth-protected-resource/mcp", {}, vars);
    expect(res.status).toBe(200);
    const origin = "https://acme.mcp.example.com:8443";
    expect(await res.json()).toEqual(metadata(`${origin}/mcp`, origin));
    const root = await fetchSettled("https://acme.mcp.example.com/.well-known/oauth-protected-resource", {}, vars);
    expect(await root.json()).toEqual(metadata(origin, origin));
  });

  it("is the same for a tenant that exists and one that does not: it reveals no tenant", async () => {
    const t = await createTenant("free");
    const doc = async (slug: string): Promise<string> => {
      const res = await fetchSettled(
        `https://${slug}.mcp.example.com/.well-known/oauth-protected-resource/mcp`,
        {},
        SUFFIX,
      );
      return `${res.status} ${(await res.text()).replaceAll(slug, "<slug>")}`;
    };
    expect(await doc(t.slug)).toBe(await doc("no-such-tenant-here"));
  });

  it("404 on a host the configuration does not name, whatever X-Forwarded-Host claims", async () => {
    for (const [url, headers, vars] of [
      ["https://elsewhere.test/.well-known/oauth-protected-resource/mcp", {}, {}],
      ["https://elsewhere.test/.well-known/oauth-protected-resource", {}, {}],
      [PRM, {}, { PUBLIC_BASE_URL: "" }],
      [
        "https://elsewhere.test/.well-known/oauth-protected-resource/mcp",
        { "x-forwarded-host": "tenant-mcp.test" },
        {},
      ],
      ["https://a.b.mcp.example.com/.well-known/oauth-protected-resource/mcp", {}, SUFFIX],
    ] as const) {
      const res = await fetchSettled(url, { headers }, vars);
      expect(res.status, `${url} ${JSON.stringify(headers)} ${JSON.stringify(vars)}`).toBe(404);
    }
  });

  it("nothing else lives under the prefix, and only GET is served", async () => {
    expect((await SELF.fetch(`${PRM}/`)).status).toBe(404);
    expect((await SELF.fetch(`${ORIGIN}/.well-known/oauth-protected-resource/other`)).status).toBe(404);
    const posted = await SELF.fetch(PRM, { method: "POST" });
    expect([posted.status, posted.headers.get("allow")]).toEqual([405, "GET"]);
  });

  it("any browser origin may read it, preflight included (clients send MCP-Protocol-Version)", async () => {
    const origin = "https://client.example";
    const pre = await SELF.fetch(PRM, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "GET",
        "access-control-request-headers": "mcp-protocol-version",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-headers")).toContain("mcp-protocol-version");
    const res = await SELF.fetch(PRM, { headers: { origin } });
    expect([res.status, res.headers.get("access-control-allow-origin")]).toEqual([200, "*"]);
  });
});

describe("challenges of /mcp", () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await createTenant("free");
  });

  const lanes: Record<string, (headers: Record<string, string>) => Promise<Response>> = {
    session: (headers) => post(initializeMessage(), headers),
    stateless: (headers) => postStateless(statelessMessage("tools/list"), headers),
  };

  for (const [lane, send] of Object.entries(lanes)) {
    it(`${lane} lane: no credentials point at the metadata with the scopes, and no error code`, async () => {
      for (const headers of [{}, { authorization: `Basic ${btoa("a:b")}` }] as Record<string, string>[]) {
        const res = await send(headers);
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toBe(
          `Bearer resource_metadata="${PRM}", scope="mcp:read mcp:write"`,
        );
        expect(((await res.json()) as { error: { message: string } }).error.message).toBe(KEY_HINT);
      }
    });

    it(`${lane} lane: a tmcp_ key, well-formed or not, gets the API-key 401 and never resource_metadata`, async () => {
      const [keyId, secret] = tenant.apiKey.slice("tmcp_".length).split("_") as [string, string];
      for (const key of [
        "tmcp_nope",
        "TMCP_shouting",
        `tmcp_${"a".repeat(16)}_${secret}`,
        `tmcp_${keyId}_${secret.slice(0, -1)}${secret.endsWith("a") ? "b" : "a"}`,
      ]) {
        const res = await send({ authorization: `Bearer ${key}` });
        expect([res.status, res.headers.get("www-authenticate")], key).toEqual([401, API_KEY_CHALLENGE]);
      }
    });

    it(`${lane} lane: any other bearer token is an invalid access token, pointing at the metadata`, async () => {
      for (const token of ["opaque-token-123", "eyJhbGciOiJub25lIn0.e30.", "a:b:c"]) {
        const res = await send({ authorization: `Bearer ${token}` });
        expect(res.status, token).toBe(401);
        expect(res.headers.get("www-authenticate"), token).toBe(
          `Bearer error="invalid_token", resource_metadata="${PRM}"`,
        );
        expect(await res.json(), token).toEqual({
          jsonrpc: "2.0",
          error: { code: -32000, message: "Invalid or expired access token: sign in again to get a new one" },
          id: null,
        });
      }
    });
  }

  it("where OAuth is not offered (no PUBLIC_BASE_URL), every challenge is the API-key one of before", async () => {
    const send = (authorization?: string): Promise<Response> =>
      fetchSettled(
        MCP_URL,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(authorization ? { authorization } : {}),
          },
          body: JSON.stringify(initializeMessage()),
        },
        { PUBLIC_BASE_URL: "" },
      );
    expect((await send()).headers.get("www-authenticate")).toBe('Bearer realm="tenant-mcp"');
    for (const token of ["tmcp_nope", "opaque-token-123"]) {
      const res = await send(`Bearer ${token}`);
      expect([res.status, res.headers.get("www-authenticate")], token).toEqual([401, API_KEY_CHALLENGE]);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(KEY_HINT);
    }
  });

  it("a tenant host points at its own metadata", async () => {
    const res = await fetchSettled(
      `https://${tenant.slug}.mcp.example.com/mcp`,
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify(initializeMessage()),
      },
      SUFFIX,
    );
    expect(res.headers.get("www-authenticate")).toBe(
      // The scheme is PUBLIC_BASE_URL's (http in these tests), never the request's.
      `Bearer resource_metadata="http://${tenant.slug}.mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:read mcp:write"`,
    );
  });

  it("a suspended tenant's key gets 403 without a challenge", async () => {
    const suspended = await createTenant("free");
    await admin`update public.tenants set status = 'suspended' where id = ${suspended.id}`;
    await redis.del(keyCacheKey(suspended.keyId));
    for (const send of Object.values(lanes)) {
      const res = await send({ authorization: `Bearer ${suspended.apiKey}` });
      expect([res.status, res.headers.get("www-authenticate")]).toEqual([403, null]);
    }
  });

  it("a browser on an allowed origin can read the challenge", async () => {
    const origin = "http://localhost:6274";
    const res = await fetchSettled(
      MCP_URL,
      {
        method: "POST",
        headers: { origin, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify(initializeMessage()),
      },
      { ALLOW_LOCALHOST_ORIGINS: "true" },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("access-control-expose-headers")?.split(", ")).toContain("www-authenticate");
  });
});

describe("challenge builders", () => {
  const resource = { origin: "https://acme.mcp.example.com", resource: "https://acme.mcp.example.com/mcp" };
  const tenant = { id: "t", slug: "acme" } as TenantContext;
  const metadataUrl = "https://acme.mcp.example.com/.well-known/oauth-protected-resource/mcp";

  it("insufficient_scope names every scope; resource_metadata only for an OAuth credential on a resource", () => {
    const oauth = {
      tenant,
      credential: { kind: "oauth_grant", id: "g1", clientId: "c1" },
      scopes: ["mcp:read"],
      subject: "user-1",
    } as const;
    const step = insufficientScope(oauth, resource, ["mcp:read", "mcp:write"]);
    expect([step.status, step.headers["www-authenticate"]]).toEqual([
      403,
      `Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="${metadataUrl}"`,
    ]);
    expect(insufficientScope(oauth, null, ["mcp:write"]).headers["www-authenticate"]).toBe(
      'Bearer error="insufficient_scope", scope="mcp:write"',
    );
    const key = apiKeyPrincipal(tenant, "k1", ["mcp:read"]);
    expect(insufficientScope(key, resource, ["mcp:read", "mcp:write"]).headers["www-authenticate"]).toBe(
      'Bearer error="insufficient_scope", scope="mcp:read mcp:write"',
    );
  });

  it("invalid_token keeps its reason for the log only", () => {
    const err = invalidOAuthToken(resource, "grant g1 revoked");
    expect([err.status, err.internal, err.headers["www-authenticate"]]).toEqual([
      401,
      "grant g1 revoked",
      `Bearer error="invalid_token", resource_metadata="${metadataUrl}"`,
    ]);
    expect(err.publicMessage).not.toContain("g1");
    expect(invalidOAuthToken(null, "x").headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
    expect(missingCredentials(null).headers["www-authenticate"]).toBe('Bearer realm="tenant-mcp"');
  });
});
