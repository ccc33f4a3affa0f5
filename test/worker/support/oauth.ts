/**
 * Drives the embedded authorization server the way a headless client does, with plain HTTP through the Worker's fetch
 * handler: dynamic registration, the sign-in and consent page (its CSRF handle and binding cookie), the code
 * redirect, and the token endpoint. Requests go to `https://mcp.oauth.test` (PUBLIC_BASE_URL for these requests
 * only) or a tenant host `<slug>.mcp.oauth.test`, so every other test file keeps its configuration.
 */
import { expect } from "vitest";
import { fetchSettled } from "../admin-support.ts";

/** The shared host's origin, and the suffix of tenant hosts, in these requests' configuration. */
export const BASE = "https://mcp.oauth.test";
export const SUFFIX = "mcp.oauth.test";
export const VARS: Partial<Env> = { PUBLIC_BASE_URL: BASE, TENANT_HOST_SUFFIX: SUFFIX };

/** The origin of a tenant's own host. */
export function tenantOrigin(slug: string): string {
  return `https://${slug}.${SUFFIX}`;
}

/** One request to the Worker in the OAuth configuration; redirects are returned, never followed. */
export function oauthFetch(url: string, init: RequestInit = {}, vars: Partial<Env> = {}): Promise<Response> {
  return fetchSettled(url, { redirect: "manual", ...init }, { ...VARS, ...vars });
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** A PKCE verifier and its S256 challenge. */
export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url(digest) };
}

export const REDIRECT_URI = "http://127.0.0.1:33418/callback";

/** Registers a public client (RFC 7591) at `origin`; returns its client id. */
export async function registerClient(
  origin: string,
  o: { redirectUris?: string[]; name?: string } = {},
): Promise<string> {
  const res = await oauthFetch(`${origin}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: o.name ?? "Test client",
      redirect_uris: o.redirectUris ?? [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** The parameters of one authorization request. */
export interface AuthorizeParams {
  clientId: string;
  challenge?: string;
  method?: string;
  redirectUri?: string;
  state?: string;
  resource?: string;
  scope?: string;
}

/** The `/authorize` URL at `origin` for `p` (S256 unless `method` says otherwise; resource `<origin>/mcp`). */
export function authorizeUrl(origin: string, p: AuthorizeParams): string {
  const url = new URL(`${origin}/authorize`);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("redirect_uri", p.redirectUri ?? REDIRECT_URI);
  url.searchParams.set("state", p.state ?? "state-123");
  if (p.challenge !== undefined) url.searchParams.set("code_challenge", p.challenge);
  if (p.challenge !== undefined) url.searchParams.set("code_challenge_method", p.method ?? "S256");
  url.searchParams.set("resource", p.resource ?? `${origin}/mcp`);
  if (p.scope !== undefined) url.searchParams.set("scope", p.scope);
  return url.toString();
}

/** The sign-in page of an authorization request: its HTML, the CSRF handle in its form, and the binding cookie. */
export interface ConsentPage {
  status: number;
  html: string;
  handle: string;
  cookie: string;
  headers: Headers;
}

/** Opens the sign-in and consent page (GET /authorize). */
export async function openConsent(url: string): Promise<ConsentPage> {
  const res = await oauthFetch(url);
  const html = await res.text();
  const handle = /name="handle" value="([^"]*)"/.exec(html)?.[1] ?? "";
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { status: res.status, html, handle, cookie, headers: res.headers };
}

/** Posts the form of `page` (the handle and cookie unless overridden). */
export function submitConsent(
  url: string,
  page: Pick<ConsentPage, "handle" | "cookie">,
  fields: { apiKey?: string; tenant?: string; scopes?: string[]; decision?: string },
): Promise<Response> {
  const form = new URLSearchParams();
  form.set("handle", page.handle);
  if (fields.tenant !== undefined) form.set("tenant", fields.tenant);
  if (fields.apiKey !== undefined) form.set("api_key", fields.apiKey);
  for (const s of fields.scopes ?? ["mcp:read", "mcp:write"]) form.append("scope", s);
  form.set("decision", fields.decision ?? "approve");
  return oauthFetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(page.cookie ? { cookie: page.cookie } : {}) },
    body: form.toString(),
  });
}

/** The token endpoint at `origin`, with a form body. */
export function tokenRequest(origin: string, fields: Record<string, string>): Promise<Response> {
  return oauthFetch(`${origin}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

/** What the token endpoint returns. */
export interface Tokens {
  access_token: string;
  refresh_token: string;
  scope: string;
  expires_in: number;
  token_type: string;
  resource?: string;
}

/**
 * The whole authorization-code flow at `origin` for a tenant's API key: registration (unless `clientId` is given),
 * the page, the form, the code, and the exchange with the PKCE verifier. Returns the tokens and the client id.
 */
export async function authorizeWithKey(
  origin: string,
  o: { apiKey: string; tenant?: string; scopes?: string[]; clientId?: string; resource?: string },
): Promise<{ tokens: Tokens; clientId: string }> {
  const clientId = o.clientId ?? (await registerClient(origin));
  const { verifier, challenge } = await pkce();
  const resource = o.resource ?? `${origin}/mcp`;
  const url = authorizeUrl(origin, {
    clientId,
    challenge,
    resource,
    scope: (o.scopes ?? ["mcp:read", "mcp:write"]).join(" "),
  });
  const page = await openConsent(url);
  expect(page.status, page.html).toBe(200);
  const answer = await submitConsent(url, page, {
    apiKey: o.apiKey,
    ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
    ...(o.scopes ? { scopes: o.scopes } : {}),
  });
  expect(answer.status, await answer.clone().text()).toBe(302);
  const location = new URL(answer.headers.get("location") ?? "");
  const code = location.searchParams.get("code");
  expect(code).toBeTruthy();
  const res = await tokenRequest(origin, {
    grant_type: "authorization_code",
    code: code ?? "",
    redirect_uri: REDIRECT_URI,
    client_id: clientId,
    code_verifier: verifier,
    resource,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return { tokens: (await res.json()) as Tokens, clientId };
}

/** POSTs one JSON-RPC message to `<origin>/mcp` with `token` (and extra headers), in the OAuth configuration. */
export function mcpPost(
  origin: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return oauthFetch(`${origin}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** Headers of a 2026-07-28 request for `method` (and the tool or resource it names). */
export function statelessHeaders(method: string, name?: string): Record<string, string> {
  return {
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...(name ? { "mcp-name": name } : {}),
  };
}

/** Opens a session-lane session at `origin` with `token`; returns its id. */
export async function openOAuthSession(origin: string, token: string): Promise<string> {
  const res = await mcpPost(origin, token, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "oauth-test", version: "1" } },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const id = res.headers.get("mcp-session-id");
  expect(id).toBeTruthy();
  return id ?? "";
}
