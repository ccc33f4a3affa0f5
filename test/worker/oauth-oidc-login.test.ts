// Sign-in through a tenant's OpenID Connect provider at /authorize, end to end with plain fetch against the real local
// provider: the page, the choice, the provider's login form, the callback, consent completion, the code, the token,
// and MCP requests with it in both lanes; on the shared host (slug typed) and on a tenant host. Then the attacks, from
// the attacker's side: a callback of another tenant, a callback without the consent cookie, scopes widened through
// the callback, a method the tenant does not offer.
import { beforeAll, describe, expect, it } from "vitest";
import { setTenantLogin } from "../../src/control/login.ts";
import { claimOf } from "../../src/oauth/grant-user.ts";
import { createTenant, type TestTenant } from "./support/fixtures.ts";
import { BASE, mcpPost, openOAuthSession, statelessHeaders, submitConsent, tenantOrigin } from "./support/oauth.ts";
import {
  ALICE,
  atProvider,
  chooseOidc,
  exchange,
  loginDeps,
  oidcTenant,
  sendCallback,
  startAuthorization,
} from "./support/oauth-oidc.ts";
import { replyOf, statelessMessage } from "./support/stateless.ts";

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
const listWorkspaces = { name: "list_workspaces", arguments: {} };

/** The message of a sign-in failure page (its nonce differs per page; the words must not). */
function failureText(html: string): string {
  return /<p class="err">([^<]*)<\/p>/.exec(html)?.[1] ?? `(no failure message in: ${html.slice(0, 200)})`;
}

/** tools/list and list_workspaces in both lanes with `token` at `origin`: the tenant's own workspace is listed. */
async function usesTools(origin: string, token: string, tenant: TestTenant): Promise<void> {
  const session = await openOAuthSession(origin, token);
  const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
  const listed = await mcpPost(origin, token, list, headers);
  expect(listed.status).toBe(200);
  expect((await replyOf(listed)).result.tools.map((t: { name: string }) => t.name)).toContain("list_workspaces");
  const called = await mcpPost(
    origin,
    token,
    { jsonrpc: "2.0", id: 3, method: "tools/call", params: listWorkspaces },
    headers,
  );
  expect(called.status).toBe(200);
  expect(JSON.stringify((await replyOf(called)).result)).toContain(tenant.workspaceId);

  const statelessList = await mcpPost(origin, token, statelessMessage("tools/list"), statelessHeaders("tools/list"));
  expect(statelessList.status).toBe(200);
  const statelessCall = await mcpPost(
    origin,
    token,
    statelessMessage("tools/call", listWorkspaces),
    statelessHeaders("tools/call", "list_workspaces"),
  );
  expect(statelessCall.status).toBe(200);
  expect(JSON.stringify((await replyOf(statelessCall)).result)).toContain(tenant.workspaceId);
}

let acme: TestTenant;
beforeAll(async () => {
  acme = await oidcTenant();
});

describe("OpenID Connect sign-in at /authorize", { timeout: 30_000 }, () => {
  it("on the shared host: slug typed, provider login, consent completed, tools in both lanes", async () => {
    const started = await startAuthorization(BASE);
    // The shared host cannot know the tenant yet: it offers both ways.
    expect(started.page.html).toContain('name="tenant"');
    expect(started.page.html).toContain('name="api_key"');
    expect(started.page.html).toContain('value="oidc"');
    const redirect = await chooseOidc(started, { tenant: acme.slug });
    const { callback, browser } = await atProvider(started, redirect);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${BASE}/oauth/oidc/${acme.slug}/callback`);
    const tokens = await exchange(started, await sendCallback(started, callback, browser));
    expect(tokens.scope).toBe("mcp:read mcp:write");
    expect(claimOf(tokens.access_token)).toMatchObject({ tenantId: acme.id, subject: `oidc:${ALICE.sub}` });
    await usesTools(BASE, tokens.access_token, acme);
  });

  it("on a tenant host: the page offers the tenant's methods only, and the flow completes there", async () => {
    const t = await oidcTenant({ apiKeyLogin: false });
    const origin = tenantOrigin(t.slug);
    const started = await startAuthorization(origin);
    expect(started.page.html).toContain('value="oidc"');
    expect(started.page.html).not.toContain('name="api_key"');
    expect(started.page.html).not.toContain('name="tenant"');
    const { callback, browser } = await atProvider(started, await chooseOidc(started));
    expect(`${callback.origin}${callback.pathname}`).toBe(`${origin}/oauth/oidc/${t.slug}/callback`);
    const tokens = await exchange(started, await sendCallback(started, callback, browser));
    await usesTools(origin, tokens.access_token, t);
    // A tenant host's token is good on that host only.
    expect((await mcpPost(BASE, tokens.access_token, list)).status).toBe(401);
  });

  it("a tenant without OpenID Connect: its host offers the API key only", async () => {
    const t = await createTenant("free");
    const page = (await startAuthorization(tenantOrigin(t.slug))).page;
    expect(page.html).toContain('name="api_key"');
    expect(page.html).not.toContain('value="oidc"');
  });
});

describe("attacks on the OpenID Connect sign-in", { timeout: 30_000 }, () => {
  it("a callback of tenant A cannot finish a sign-in started for tenant B, on the shared host or B's host", async () => {
    const b = await oidcTenant();
    const started = await startAuthorization(BASE);
    const { callback, browser } = await atProvider(started, await chooseOidc(started, { tenant: b.slug }));
    const cookies = browser.cookieHeader(callback);
    const answers = new Set<string>();
    for (const origin of [BASE, tenantOrigin(b.slug)]) {
      const foreign = new URL(`${origin}/oauth/oidc/${acme.slug}/callback${callback.search}`);
      const res = await sendCallback(started, foreign, browser);
      // The B sign-in cookie is scoped to B's callback path; the attacker copies it over anyway.
      const withCookie = await sendCallback(started, foreign, { cookieHeader: () => cookies });
      for (const r of [res, withCookie]) {
        expect(r.status).toBe(400);
        expect(r.headers.get("location")).toBeNull();
        answers.add(failureText(await r.text()));
      }
    }
    expect([...answers]).toEqual(["Sign-in failed; start again from your MCP client"]);
    // B's own callback still completes: nothing was consumed by the attempts.
    const tokens = await exchange(started, await sendCallback(started, callback, browser));
    expect(claimOf(tokens.access_token)?.tenantId).toBe(b.id);
  });

  it("a callback without the consent cookie (another browser) is refused and issues no code", async () => {
    const started = await startAuthorization(BASE);
    const { callback, browser } = await atProvider(started, await chooseOidc(started, { tenant: acme.slug }));
    const res = await sendCallback(started, callback, browser, { consentCookie: false });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(failureText(await res.text())).toMatch(/not started in this browser/);
  });

  it("a callback without the sign-in cookie is refused", async () => {
    const started = await startAuthorization(BASE);
    const { callback, browser } = await atProvider(started, await chooseOidc(started, { tenant: acme.slug }));
    const res = await sendCallback(started, callback, browser, { signInCookie: false });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("scopes cannot be widened through the callback: the token has what was ticked before leaving", async () => {
    const started = await startAuthorization(BASE);
    const redirect = await chooseOidc(started, { tenant: acme.slug, scopes: ["mcp:read"] });
    const { callback, browser } = await atProvider(started, redirect);
    const widened = new URL(callback);
    widened.searchParams.append("scope", "mcp:write");
    widened.searchParams.append("scope", "mcp:read mcp:write");
    const tokens = await exchange(started, await sendCallback(started, widened, browser));
    expect(tokens.scope).toBe("mcp:read");
    const write = await mcpPost(
      BASE,
      tokens.access_token,
      statelessMessage("tools/call", { name: "create_workspace", arguments: { name: "x" } }),
      statelessHeaders("tools/call", "create_workspace"),
    );
    expect(write.status).toBe(403);
    expect(write.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
  });

  it("OpenID Connect chosen for a tenant without it reads as an unknown tenant and as a wrong key", async () => {
    const keyOnly = await createTenant("free");
    const answers = new Map<string, string>();
    for (const [label, tenant, decision] of [
      ["unknown tenant, oidc", "no-such-tenant-here", "oidc"],
      ["tenant without oidc", keyOnly.slug, "oidc"],
      ["unknown tenant, key", "no-such-tenant-here", "approve"],
      ["wrong key", keyOnly.slug, "approve"],
    ] as const) {
      const started = await startAuthorization(BASE);
      const res = await submitConsent(started.url, started.page, {
        tenant,
        decision,
        ...(decision === "approve" ? { apiKey: `tmcp_nokey_${"x".repeat(40)}` } : {}),
      });
      expect(res.headers.get("location"), label).toBeNull();
      answers.set(label, `${res.status} ${failureText(await res.text())}`);
    }
    expect(new Set(answers.values()).size, JSON.stringify([...answers])).toBe(1);
  });

  it("API-key sign-in switched off refuses a valid key, on the shared host and the tenant's host", async () => {
    const t = await createTenant("free");
    await setTenantLogin(loginDeps, t.slug, { apiKeyLogin: false });
    for (const origin of [BASE, tenantOrigin(t.slug)]) {
      const started = await startAuthorization(origin);
      const res = await submitConsent(started.url, started.page, {
        apiKey: t.apiKey,
        ...(origin === BASE ? { tenant: t.slug } : {}),
      });
      expect(res.status, origin).toBe(401);
      expect(failureText(await res.text())).toBe("The tenant, the API key or the sign-in method is not right.");
    }
  });
});
