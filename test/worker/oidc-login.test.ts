// Sign-in through a tenant's own OpenID Connect provider (src/oauth/login/oidc.ts), inside workerd, against the real
// local provider (local-cloud/oidc.ts, oidc-provider) and the real Redis and Postgres of the test cloud. The test plays
// the user's browser with fetch; the attacks are played from the attacker's side: a forged, replayed or foreign
// `state`, a callback in another browser, a mixed-up issuer, and a provider that returns ID tokens for another
// audience, nonce or issuer, or signed with a key it never published.
import { createExecutionContext, env } from "cloudflare:test";
import { neon } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { createRequestContext, type RequestContext } from "../../src/context.ts";
import { setTenantLogin, type TenantLoginInput } from "../../src/control/login.ts";
import { setTenantStatus } from "../../src/control/tenants.ts";
import { HttpError } from "../../src/http/errors.ts";
import type { TenantLoginTarget } from "../../src/oauth/login/methods.ts";
import { oidcLogin } from "../../src/oauth/login/oidc.ts";
import { oidcRedirectUri } from "../../src/oauth/login/redirect.ts";
import { loadTenantLogin } from "../../src/oauth/login/settings.ts";
import { oidcFlowKey } from "../../src/redis/keys.ts";
import { cloud, controlDeps, createTenant, redis } from "./support/fixtures.ts";
import {
  Browser,
  oidc,
  oidcUser,
  type RegisteredClient,
  registerClient,
  tamperNextIdToken,
} from "./support/oidc-browser.ts";

const ORIGIN = "http://tenant-mcp.test";
const method = oidcLogin({ origin: ORIGIN });
const deps = { ...controlDeps, loginSecretKey: cloud.loginSecretKey };
const ALICE = oidcUser("alice@acme.example");

function rc(): RequestContext {
  return createRequestContext(new Request(`${ORIGIN}/authorize`), env, createExecutionContext());
}

/** A tenant whose users sign in at the local provider through a client registered for its redirect URI. */
async function oidcTenant(
  login: Omit<TenantLoginInput, "oidcIssuer" | "clientId" | "clientSecret"> = {},
  o: { public?: boolean; issuer?: string } = {},
): Promise<{ target: TenantLoginTarget; client: RegisteredClient }> {
  const tenant = await createTenant("free");
  const client = await registerClient(oidcRedirectUri(ORIGIN, tenant.slug), o);
  await setTenantLogin(deps, tenant.slug, {
    oidcIssuer: o.issuer ?? oidc.issuer,
    clientId: client.clientId,
    ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
    ...login,
  });
  const target = await loadTenantLogin(rc(), tenant.slug);
  if (!target) throw new Error("tenant not found");
  return { target, client };
}

/** Starts a sign-in in `browser`, the person having ticked read access only: the redirect to the provider. */
async function begin(target: TenantLoginTarget, browser: Browser, handle = "handle-1"): Promise<Response> {
  const response = await method.begin(rc(), target, handle, { scopes: ["mcp:read"] });
  browser.keep(ORIGIN, response);
  return response;
}

/** The whole sign-in of `user` in a fresh browser, up to the callback (not yet finished). */
async function toCallback(
  target: TenantLoginTarget,
  user: { email: string; password: string } = ALICE,
): Promise<{ callback: URL; browser: Browser }> {
  const browser = new Browser();
  const started = await begin(target, browser);
  const callback = await browser.signInAtProvider(started.headers.get("location") as string, user);
  return { callback, browser };
}

/** The callback request as the browser sends it. */
function callbackRequest(callback: URL, browser: Browser): Request {
  return new Request(callback, { headers: { cookie: browser.cookieHeader(callback) } });
}

/** `finish` must fail with this status, for the reason `internal` describes (so the test fails for the right one). */
async function refused(promise: Promise<unknown>, status: number, internal: RegExp): Promise<HttpError> {
  const err = await promise.then(
    () => {
      throw new Error("the sign-in was accepted");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  const e = err as HttpError;
  expect([e.status, e.internal ?? e.publicMessage]).toEqual([status, expect.stringMatching(internal)]);
  return e;
}

describe("OpenID Connect sign-in", { timeout: 30_000 }, () => {
  it("redirects to the provider with state, nonce and PKCE S256, bound to the browser by a cookie", async () => {
    const { target, client } = await oidcTenant();
    const response = await begin(target, new Browser(), "handle-x");
    expect(response.status).toBe(302);
    const to = new URL(response.headers.get("location") as string);
    expect(`${to.origin}${to.pathname}`).toBe(`${oidc.issuer}/auth`);
    const q = Object.fromEntries(to.searchParams);
    expect(q).toMatchObject({
      client_id: client.clientId,
      redirect_uri: `${ORIGIN}/oauth/oidc/${target.slug}/callback`,
      response_type: "code",
      scope: "openid email profile",
      code_challenge_method: "S256",
    });
    for (const p of ["state", "nonce", "code_challenge"]) expect(q[p]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = response.headers.getSetCookie()[0] as string;
    expect(cookie).toMatch(
      new RegExp(
        `^tmcp_oidc_[A-Za-z0-9_-]{16}=[^;]+; Path=/oauth/oidc/${target.slug}/callback; Max-Age=600; HttpOnly; SameSite=Lax$`,
      ),
    );
    // What finish needs is in Redis under the tenant, not in the URL: the verifier never leaves the server.
    const pending = await redis.get<Record<string, string>>(oidcFlowKey(target.tenantId, q.state as string));
    expect(pending).toMatchObject({ handle: "handle-x", issuer: oidc.issuer, clientId: client.clientId });
    expect(JSON.stringify(q)).not.toContain(pending?.verifier);
  });

  it("signs a user in: subject oidc:<sub>, the e-mail, every MCP scope, the handle and scopes kept since begin", async () => {
    const { target } = await oidcTenant({
      allowedEmailDomains: ["acme.example"],
      requiredClaim: { name: "groups", value: "mcp-users" },
    });
    const { callback, browser } = await toCallback(target);
    expect(`${callback.origin}${callback.pathname}`).toBe(oidcRedirectUri(ORIGIN, target.slug));
    expect(callback.searchParams.get("iss")).toBe(oidc.issuer);
    expect(await method.finish(rc(), target, callbackRequest(callback, browser))).toEqual({
      subject: "oidc:acme-alice",
      email: "alice@acme.example",
      scopes: ["mcp:read", "mcp:write"],
      chosenScopes: ["mcp:read"],
      handle: "handle-1",
      login: { method: "oidc" },
    });
  });

  it("signs in through a public client (PKCE only, no secret stored)", async () => {
    const { target } = await oidcTenant({}, { public: true });
    expect(target.settings.oidc?.sealedClientSecret).toBeNull();
    const { callback, browser } = await toCallback(target);
    expect((await method.finish(rc(), target, callbackRequest(callback, browser))).subject).toBe("oidc:acme-alice");
  });

  it("a callback is good once: a replay finds nothing", async () => {
    const { target } = await oidcTenant();
    const { callback, browser } = await toCallback(target);
    await method.finish(rc(), target, callbackRequest(callback, browser));
    await refused(method.finish(rc(), target, callbackRequest(callback, browser)), 400, /no pending sign-in/);
  });

  it("a tampered or missing state is refused, and the real sign-in is left intact", async () => {
    const { target } = await oidcTenant();
    const { callback, browser } = await toCallback(target);
    const state = callback.searchParams.get("state") as string;
    for (const forged of [`${state.slice(0, -1)}${state.endsWith("A") ? "B" : "A"}`, "", "x'; drop table"]) {
      const url = new URL(callback);
      url.searchParams.set("state", forged);
      await refused(method.finish(rc(), target, callbackRequest(url, browser)), 400, /state/);
    }
    const url = new URL(callback);
    url.searchParams.delete("state");
    await refused(method.finish(rc(), target, callbackRequest(url, browser)), 400, /no valid state/);
    expect((await method.finish(rc(), target, callbackRequest(callback, browser))).subject).toBe("oidc:acme-alice");
  });

  it("tenant A's callback presented at tenant B's (same provider) is refused", async () => {
    const a = await oidcTenant();
    const b = await oidcTenant();
    const { callback, browser } = await toCallback(a.target);
    const atB = new URL(callback);
    atB.pathname = new URL(oidcRedirectUri(ORIGIN, b.target.slug)).pathname;
    await refused(method.finish(rc(), b.target, callbackRequest(atB, browser)), 400, /no pending sign-in/);
  });

  it("a callback finished in another browser (login CSRF) is refused", async () => {
    const { target } = await oidcTenant();
    // The attacker starts a sign-in and lures the victim through the provider; the victim's browser lacks the cookie.
    const { callback } = await toCallback(target);
    await refused(method.finish(rc(), target, new Request(callback)), 400, /another browser/);
    const other = await toCallback(target);
    await refused(
      method.finish(rc(), target, callbackRequest(callback, other.browser)),
      400,
      /no pending|another browser/,
    );
  });

  it("a callback whose iss names another issuer (mix-up, RFC 9207) is refused", async () => {
    const { target } = await oidcTenant();
    const { callback, browser } = await toCallback(target);
    callback.searchParams.set("iss", "https://evil.example");
    await refused(method.finish(rc(), target, callbackRequest(callback, browser)), 400, /iss/);
  });

  it("the provider's refusal is shown by its error code only", async () => {
    const { target } = await oidcTenant();
    const browser = new Browser();
    const started = new URL((await begin(target, browser)).headers.get("location") as string);
    const callback = new URL(oidcRedirectUri(ORIGIN, target.slug));
    callback.search = new URLSearchParams({
      error: "access_denied",
      error_description: "<script>alert(1)</script>",
      state: started.searchParams.get("state") as string,
      iss: oidc.issuer,
    }).toString();
    const e = await refused(method.finish(rc(), target, callbackRequest(callback, browser)), 403, /access_denied/);
    expect(e.publicMessage).toBe("The sign-in provider refused the sign-in (access_denied)");
  });

  describe("ID tokens a misbehaving provider returns", () => {
    for (const [what, changes, reason] of [
      ["for another audience", { aud: "some-other-client" }, /aud/],
      ["with another nonce", { nonce: "replayed-nonce" }, /nonce/],
      ["from another issuer", { iss: "https://evil.example" }, /iss/],
      ["signed with a key the provider never published", { foreignKey: true }, /signature/i],
    ] as const) {
      it(`refuses one ${what}`, async () => {
        const { target, client } = await oidcTenant();
        const { callback, browser } = await toCallback(target);
        await tamperNextIdToken(client.clientId, changes);
        await refused(method.finish(rc(), target, callbackRequest(callback, browser)), 400, reason);
      });
    }
  });

  it("a wrong client secret fails at the token endpoint", async () => {
    const { target } = await oidcTenant();
    await setTenantLogin(deps, target.slug, { clientSecret: "not-the-secret" });
    const reloaded = (await loadTenantLogin(rc(), target.slug)) as TenantLoginTarget;
    const { callback, browser } = await toCallback(reloaded);
    await refused(method.finish(rc(), reloaded, callbackRequest(callback, browser)), 400, /invalid_client/);
  });

  describe("the tenant's rules", () => {
    const rules = { allowedEmailDomains: ["acme.example"], requiredClaim: { name: "groups", value: "mcp-users" } };
    for (const [who, email] of [
      ["a user of a domain the tenant does not allow", "eve@evil.example"],
      ["a user whose e-mail is not verified, in the right domain", "unverified@acme.example"],
      ["a user without the required claim", "nogroup@acme.example"],
    ] as const) {
      it(`refuses ${who}`, async () => {
        const { target } = await oidcTenant(rules);
        const { callback, browser } = await toCallback(target, oidcUser(email));
        const e = await refused(method.finish(rc(), target, callbackRequest(callback, browser)), 403, /e-mail|claim/);
        expect(e.publicMessage).toBe("This account may not sign in to this organization");
      });
    }
  });

  it("an issuer that is not the provider's own fails discovery, before anything is stored", async () => {
    const { target } = await oidcTenant({}, { issuer: `${oidc.issuer}/elsewhere` });
    await refused(method.begin(rc(), target, "h"), 502, /discovery/);
  });

  it("a tenant without OpenID Connect has no such sign-in", async () => {
    const tenant = await createTenant("free");
    const target = (await loadTenantLogin(rc(), tenant.slug)) as TenantLoginTarget;
    expect(target.settings).toEqual({ oidc: null, apiKeyLogin: true });
    await refused(method.begin(rc(), target, "h"), 404, /not set up/);
  });
});

describe("tenant sign-in settings in the Worker", () => {
  it("are read through lookup_tenant_login; an unknown, malformed or suspended tenant is null alike", async () => {
    const { target, client } = await oidcTenant({ apiKeyLogin: false, allowedEmailDomains: ["acme.example"] });
    expect(target.settings).toEqual({
      apiKeyLogin: false,
      oidc: {
        issuer: oidc.issuer,
        clientId: client.clientId,
        sealedClientSecret: expect.stringMatching(/^v1\./),
        allowedEmailDomains: ["acme.example"],
        requiredClaim: null,
      },
    });
    expect(await loadTenantLogin(rc(), "no-such-tenant-here")).toBeNull();
    expect(await loadTenantLogin(rc(), "Bad Slug'")).toBeNull();
    await setTenantStatus(deps, target.slug, "suspended");
    expect(await loadTenantLogin(rc(), target.slug)).toBeNull();
  });

  it("the Worker's role cannot read the table itself", async () => {
    const app = neon(cloud.appDatabaseUrl);
    await expect(app`select * from public.tenant_login`).rejects.toMatchObject({ code: "42501" });
  });
});
