/**
 * The authorization-code flow of the embedded authorization server with sign-in through a tenant's OpenID Connect
 * provider (the local one, local-cloud/oidc.ts), played with plain fetch: the page, the choice "Sign in with your
 * organisation", the provider's login form, the callback to the Worker, the code and the exchange.
 */
import { expect } from "vitest";
import { setTenantLogin, type TenantLoginInput } from "../../../src/control/login.ts";
import { oidcRedirectUri } from "../../../src/oauth/login/redirect.ts";
import { cloud, controlDeps, createTenant, type TestTenant } from "./fixtures.ts";
import {
  authorizeUrl,
  BASE,
  type ConsentPage,
  oauthFetch,
  openConsent,
  pkce,
  REDIRECT_URI,
  registerClient,
  submitConsent,
  tenantOrigin,
  tokenRequest,
  type Tokens,
} from "./oauth.ts";
import { Browser, oidc, oidcUser, registerClient as registerAtProvider } from "./oidc-browser.ts";

/** The control plane with the Worker's LOGIN_SECRET_KEY, to store a client secret. */
export const loginDeps = { ...controlDeps, loginSecretKey: cloud.loginSecretKey };

/** The local provider's demo user of acme. */
export const ALICE = oidcUser("alice@acme.example");

/**
 * A tenant whose users sign in through the local provider, with one client there whose redirect URIs are the
 * tenant's callbacks on the shared host and on its own host. `login` adds settings (e.g. `apiKeyLogin: false`).
 */
export async function oidcTenant(login: Omit<TenantLoginInput, "oidcIssuer" | "clientId" | "clientSecret"> = {}) {
  const tenant = await createTenant("pro");
  const client = await registerAtProvider([
    oidcRedirectUri(BASE, tenant.slug),
    oidcRedirectUri(tenantOrigin(tenant.slug), tenant.slug),
  ]);
  await setTenantLogin(loginDeps, tenant.slug, {
    oidcIssuer: oidc.issuer,
    clientId: client.clientId,
    ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
    ...login,
  });
  return tenant;
}

/** An authorization request opened at `origin` and its page; the PKCE verifier for the exchange. */
export interface Started {
  origin: string;
  url: string;
  page: ConsentPage;
  verifier: string;
  clientId: string;
}

/** Registers a client at `origin` (unless given) and opens the page of an authorization request for `scopes`. */
export async function startAuthorization(
  origin: string,
  o: { scopes?: string[]; clientId?: string } = {},
): Promise<Started> {
  const clientId = o.clientId ?? (await registerClient(origin));
  const { verifier, challenge } = await pkce();
  const url = authorizeUrl(origin, {
    clientId,
    challenge,
    scope: (o.scopes ?? ["mcp:read", "mcp:write"]).join(" "),
  });
  const page = await openConsent(url);
  expect(page.status, page.html).toBe(200);
  return { origin, url, page, verifier, clientId };
}

/** Chooses "Sign in with your organisation" on the page, with the slug typed when `tenant` is given. */
export function chooseOidc(started: Started, o: { tenant?: string; scopes?: string[] } = {}): Promise<Response> {
  return submitConsent(started.url, started.page, {
    decision: "oidc",
    ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
    ...(o.scopes ? { scopes: o.scopes } : {}),
  });
}

/**
 * From the redirect to the provider to the callback URL it sends the browser to: the browser keeps the Worker's
 * sign-in cookie and signs in at the provider as `user`.
 */
export async function atProvider(
  started: Started,
  redirect: Response,
  user: { email: string; password: string } = ALICE,
): Promise<{ callback: URL; browser: Browser }> {
  expect(redirect.status, await redirect.clone().text()).toBe(302);
  const location = redirect.headers.get("location") ?? "";
  expect(location.startsWith(`${oidc.issuer}/`)).toBe(true);
  const browser = new Browser();
  browser.keep(started.origin, redirect);
  const callback = await browser.signInAtProvider(location, user);
  return { callback, browser };
}

/** The callback as the browser sends it to the Worker: with the consent cookie and the sign-in cookie (unless left out). */
export function sendCallback(
  started: Started,
  callback: URL | string,
  browser: Pick<Browser, "cookieHeader">,
  o: { consentCookie?: boolean; signInCookie?: boolean } = {},
): Promise<Response> {
  const cookies = [
    o.consentCookie === false ? "" : started.page.cookie,
    o.signInCookie === false ? "" : browser.cookieHeader(callback),
  ].filter(Boolean);
  return oauthFetch(String(callback), { headers: cookies.length ? { cookie: cookies.join("; ") } : {} });
}

/** Exchanges the code of a redirect to the client for tokens. */
export async function exchange(started: Started, answer: Response): Promise<Tokens> {
  expect(answer.status, await answer.clone().text()).toBe(302);
  const location = new URL(answer.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  expect(location.searchParams.get("iss")).toBe(started.origin);
  const res = await tokenRequest(started.origin, {
    grant_type: "authorization_code",
    code: location.searchParams.get("code") ?? "",
    redirect_uri: REDIRECT_URI,
    client_id: started.clientId,
    code_verifier: started.verifier,
    resource: `${started.origin}/mcp`,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Tokens;
}

/**
 * The whole flow at `origin` for `tenant` through its provider: tokens for the scopes ticked (default both). On the
 * shared host the slug is typed; on a tenant host it is the host's.
 */
export async function authorizeWithOidc(
  origin: string,
  tenant: TestTenant,
  o: { scopes?: string[]; user?: { email: string; password: string } } = {},
): Promise<Tokens> {
  const started = await startAuthorization(origin, o.scopes ? { scopes: o.scopes } : {});
  const redirect = await chooseOidc(started, {
    ...(origin === BASE ? { tenant: tenant.slug } : {}),
    ...(o.scopes ? { scopes: o.scopes } : {}),
  });
  const { callback, browser } = await atProvider(started, redirect, o.user);
  return exchange(started, await sendCallback(started, callback, browser));
}
