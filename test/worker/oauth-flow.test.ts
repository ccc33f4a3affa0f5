// The embedded authorization server, end to end with plain HTTP: discovery, registration, sign-in with an API key,
// consent, the code redirect (state, iss), the exchange (PKCE, resource) and refresh-token rotation.
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, type TestTenant } from "./support/fixtures.ts";
import {
  authorizeUrl,
  BASE,
  oauthFetch,
  openConsent,
  pkce,
  REDIRECT_URI,
  registerClient,
  submitConsent,
  tokenRequest,
  type Tokens,
} from "./support/oauth.ts";

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("pro");
});

describe("authorization server metadata", () => {
  it("names the shared origin as issuer, its endpoints, S256 only, iss and CIMD", async () => {
    const res = await oauthFetch(`${BASE}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: BASE,
      authorization_endpoint: `${BASE}/authorize`,
      token_endpoint: `${BASE}/oauth/token`,
      registration_endpoint: `${BASE}/oauth/register`,
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      scopes_supported: ["mcp:read", "mcp:write"],
      client_id_metadata_document_supported: true,
    });
    expect(meta.protected_resources).toEqual([`${BASE}/mcp`, BASE]);
  });

  it("is not served on a host the configuration does not name", async () => {
    const res = await oauthFetch("https://elsewhere.test/.well-known/oauth-authorization-server");
    expect(res.status).toBe(404);
    expect((await oauthFetch("https://elsewhere.test/authorize")).status).toBe(404);
  });
});

describe("authorization code flow with PKCE", () => {
  it("registers, signs in with a key, consents, exchanges the code and rotates the refresh token", async () => {
    const clientId = await registerClient(BASE, { name: "Flow <b>client</b>" });
    const { verifier, challenge } = await pkce();
    const url = authorizeUrl(BASE, { clientId, challenge, state: "xyz", scope: "mcp:read mcp:write" });

    const page = await openConsent(url);
    expect(page.status).toBe(200);
    // The page: escaped client name, redirect host, loopback warning, a tenant field, strict headers.
    expect(page.html).toContain("Flow &#60;b&#62;client&#60;/b&#62;");
    expect(page.html).not.toContain("<b>client</b>");
    expect(page.html).toContain("127.0.0.1");
    expect(page.html).toContain("an app on your computer");
    expect(page.html).toContain('name="tenant"');
    expect(page.handle).not.toBe("");
    expect(page.cookie).toMatch(/^__Host-oauth-consent/);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");

    const answer = await submitConsent(url, page, { apiKey: tenant.apiKey, tenant: tenant.slug });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("state")).toBe("xyz");
    expect(location.searchParams.get("iss")).toBe(BASE);
    const code = location.searchParams.get("code") ?? "";

    const exchanged = await tokenRequest(BASE, {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
      resource: `${BASE}/mcp`,
    });
    expect(exchanged.status).toBe(200);
    const tokens = (await exchanged.json()) as Tokens;
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.scope.split(" ").sort()).toEqual(["mcp:read", "mcp:write"]);
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.access_token.startsWith(tenant.id)).toBe(true);

    const refreshed = await tokenRequest(BASE, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: clientId,
      resource: `${BASE}/mcp`,
    });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Tokens;
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.access_token).not.toBe(tokens.access_token);
  });

  it("Deny sends the client access_denied with its state and iss", async () => {
    const clientId = await registerClient(BASE);
    const { challenge } = await pkce();
    const url = authorizeUrl(BASE, { clientId, challenge, state: "s1" });
    const page = await openConsent(url);
    const answer = await submitConsent(url, page, { decision: "deny" });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe("s1");
    expect(location.searchParams.get("iss")).toBe(BASE);
  });
});
