// The authorization server from the attacker's side: every request below must fail, and fail without telling which
// tenants exist.
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, initializeMessage, type TestTenant } from "./support/fixtures.ts";
import {
  authorizeUrl,
  authorizeWithKey,
  BASE,
  mcpPost,
  oauthFetch,
  openConsent,
  pkce,
  REDIRECT_URI,
  registerClient,
  submitConsent,
  tokenRequest,
  type Tokens,
} from "./support/oauth.ts";

let a: TestTenant;
let b: TestTenant;
let clientId: string;
beforeAll(async () => {
  [a, b] = await Promise.all([createTenant("pro"), createTenant("free")]);
  clientId = await registerClient(BASE);
});

/** Runs the page and the form up to the code; returns the code and its verifier. */
async function codeFor(o: { scope?: string; resource?: string } = {}): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = await pkce();
  const url = authorizeUrl(BASE, { clientId, challenge, ...o });
  const page = await openConsent(url);
  expect(page.status, page.html).toBe(200);
  const scopes = o.scope?.split(" ");
  const answer = await submitConsent(url, page, { apiKey: a.apiKey, tenant: a.slug, ...(scopes ? { scopes } : {}) });
  expect(answer.status).toBe(302);
  return { code: new URL(answer.headers.get("location") ?? "").searchParams.get("code") ?? "", verifier };
}

function exchange(code: string, verifier: string, extra: Record<string, string> = {}): Promise<Response> {
  return tokenRequest(BASE, {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT_URI,
    client_id: clientId,
    code_verifier: verifier,
    resource: `${BASE}/mcp`,
    ...extra,
  });
}

async function oauthError(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

describe("authorization requests", () => {
  it("a redirect_uri the client did not register is shown an error page, never redirected to", async () => {
    const { challenge } = await pkce();
    const url = authorizeUrl(BASE, { clientId, challenge, redirectUri: "https://evil.example/callback" });
    const res = await oauthFetch(url);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-type")).toContain("text/html");
  });

  it("an unknown client is shown an error page", async () => {
    const { challenge } = await pkce();
    const res = await oauthFetch(authorizeUrl(BASE, { clientId: "no-such-client", challenge }));
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("PKCE missing or plain is refused (back to the client, with iss)", async () => {
    const { verifier } = await pkce();
    for (const url of [
      authorizeUrl(BASE, { clientId }),
      authorizeUrl(BASE, { clientId, challenge: verifier, method: "plain" }),
    ]) {
      const res = await oauthFetch(url);
      expect(res.status, url).toBe(302);
      const location = new URL(res.headers.get("location") ?? "");
      expect(location.searchParams.get("error")).toBe("invalid_request");
      expect(location.searchParams.get("iss")).toBe(BASE);
      expect(location.searchParams.get("code")).toBeNull();
    }
  });

  it("a resource other than this host's is refused", async () => {
    const { challenge } = await pkce();
    for (const resource of ["https://evil.example/mcp", `https://${a.slug}.mcp.oauth.test/mcp`, `${BASE}/other`]) {
      const res = await oauthFetch(authorizeUrl(BASE, { clientId, challenge, resource }));
      expect([302, 400], resource).toContain(res.status);
      const location = res.headers.get("location");
      if (location) expect(new URL(location).searchParams.get("error")).toBe("invalid_target");
    }
  });
});

describe("the consent form", () => {
  async function page(): Promise<{ url: string; handle: string; cookie: string }> {
    const { challenge } = await pkce();
    const url = authorizeUrl(BASE, { clientId, challenge });
    return { url, ...(await openConsent(url)) };
  }

  it("without the CSRF handle, with a forged one, or without the browser's cookie, grants nothing", async () => {
    const p = await page();
    for (const forged of [
      { handle: "", cookie: p.cookie },
      { handle: `${p.handle.slice(0, -2)}xx`, cookie: p.cookie },
      { handle: p.handle, cookie: "" },
    ]) {
      const res = await submitConsent(p.url, forged, { apiKey: a.apiKey, tenant: a.slug });
      expect(res.status, JSON.stringify(forged).slice(0, 80)).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
  });

  it("a handle works once", async () => {
    const p = await page();
    expect((await submitConsent(p.url, p, { apiKey: a.apiKey, tenant: a.slug })).status).toBe(302);
    expect((await submitConsent(p.url, p, { apiKey: a.apiKey, tenant: a.slug })).status).toBe(400);
  });

  it("a bad key, another tenant's key and an unknown tenant get one identical answer", async () => {
    const bodies = new Set<string>();
    for (const fields of [
      { apiKey: `tmcp_${"a".repeat(16)}_${"b".repeat(40)}`, tenant: a.slug },
      { apiKey: b.apiKey, tenant: a.slug },
      { apiKey: a.apiKey, tenant: "no-such-tenant" },
      { apiKey: "garbage", tenant: a.slug },
    ]) {
      const p = await page();
      const res = await submitConsent(p.url, p, fields);
      expect(res.status).toBe(401);
      // The page's style nonce is fresh each time; everything else must be the same.
      bodies.add((await res.text()).replace(/nonce="[^"]*"/, ""));
    }
    expect(bodies.size).toBe(1);
  });
});

describe("the token endpoint", () => {
  it("a code is good once: a replay is invalid_grant", async () => {
    const { code, verifier } = await codeFor();
    expect((await exchange(code, verifier)).status).toBe(200);
    const replay = await exchange(code, verifier);
    expect(replay.status).toBe(400);
    expect(await oauthError(replay)).toBe("invalid_grant");
  });

  it("a wrong or missing code_verifier is invalid_grant", async () => {
    const { code } = await codeFor();
    const { verifier: other } = await pkce();
    const wrong = await exchange(code, other);
    expect(wrong.status).toBe(400);
    expect(await oauthError(wrong)).toBe("invalid_grant");
    const { code: code2 } = await codeFor();
    const missing = await tokenRequest(BASE, {
      grant_type: "authorization_code",
      code: code2,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      resource: `${BASE}/mcp`,
    });
    expect(missing.status).toBe(400);
  });

  it("a code exchanged by another client, or for another resource, is refused", async () => {
    const { code, verifier } = await codeFor();
    const otherClient = await registerClient(BASE);
    expect((await exchange(code, verifier, { client_id: otherClient })).status).toBe(400);
    const { code: code2, verifier: verifier2 } = await codeFor();
    expect((await exchange(code2, verifier2, { resource: "https://evil.example/mcp" })).status).toBe(400);
  });

  it("a refresh token replaced and its replacement used is refused (rotation)", async () => {
    const { code, verifier } = await codeFor();
    const first = (await (await exchange(code, verifier)).json()) as Tokens;
    const refresh = (token: string): Promise<Response> =>
      tokenRequest(BASE, { grant_type: "refresh_token", refresh_token: token, client_id: clientId });
    const second = (await (await refresh(first.refresh_token)).json()) as Tokens;
    expect((await refresh(second.refresh_token)).status).toBe(200);
    const reused = await refresh(first.refresh_token);
    expect(reused.status).toBe(400);
    expect(await oauthError(reused)).toBe("invalid_grant");
  });

  it("a refresh cannot widen the scopes the person granted", async () => {
    const { code, verifier } = await codeFor({ scope: "mcp:read" });
    const tokens = (await (await exchange(code, verifier)).json()) as Tokens;
    expect(tokens.scope).toBe("mcp:read");
    const widened = await tokenRequest(BASE, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: clientId,
      scope: "mcp:read mcp:write",
    });
    if (widened.status === 200) expect(((await widened.json()) as Tokens).scope).toBe("mcp:read");
    else expect(await oauthError(widened)).toBe("invalid_scope");
  });
});

describe("presenting tokens", () => {
  it("a token in the query string is no credential", async () => {
    const { tokens } = await authorizeWithKey(BASE, { apiKey: a.apiKey, tenant: a.slug });
    const res = await oauthFetch(`${BASE}/mcp?access_token=${encodeURIComponent(tokens.access_token)}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(initializeMessage()),
    });
    expect(res.status).toBe(401);
    // ... while the same token in the header works.
    expect((await mcpPost(BASE, tokens.access_token, initializeMessage())).status).toBe(200);
  });

  it("a token whose audience is the origin (root resource metadata) is accepted too", async () => {
    const { tokens } = await authorizeWithKey(BASE, { apiKey: a.apiKey, tenant: a.slug, resource: BASE });
    expect(tokens.resource ?? BASE).toBe(BASE);
    expect((await mcpPost(BASE, tokens.access_token, initializeMessage())).status).toBe(200);
  });
});
