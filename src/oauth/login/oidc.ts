/**
 * Sign-in through a tenant's own OpenID Connect provider: the relying party of the authorization code flow with PKCE
 * (OpenID Connect Core 1.0 §3.1), built on oauth4webapi (maintained, certified, WebCrypto only, so it runs in workerd;
 * it does the protocol checks that are easy to get subtly wrong: RFC 9207 `iss`, `azp`, `iat`/`exp` with skew, `nonce`).
 *
 * `begin` stores a pending sign-in in Redis under a fresh `state` (with a nonce, a PKCE verifier, the authorization
 * handle and the scopes the person ticked) and redirects to the provider; a cookie binds it to this browser. `finish`
 * takes the callback once (GETDEL), checks the browser cookie, the response `iss`, exchanges the code with the
 * verifier, verifies the ID token (issuer, audience, nonce, and its signature against the provider's JWKS), then the
 * tenant's rules (verified e-mail domain, required claim).
 */
import * as oauth from "oauth4webapi";
import type { RequestContext } from "../../context.ts";
import { HttpError, unavailable } from "../../http/errors.ts";
import { oidcFlowKey } from "../../redis/keys.ts";
import type { LoginMethod, SignedInUser, TenantLoginTarget } from "./methods.ts";
import { oidcRedirectUri } from "./redirect.ts";
import { openSecret, SecretBoxError } from "../../crypto/secret-box.ts";
import type { OidcSettings } from "./settings.ts";
import { MCP_SCOPES } from "../../auth/scopes.ts";
import { parse as parseCookies } from "hono/utils/cookie";
import { sha256Hex } from "../../crypto/digest.ts";

/** The most a user signed in through a provider may be granted: every MCP scope (the client's request narrows it). */
const OIDC_USER_SCOPES: readonly string[] = MCP_SCOPES;

/** How long a started sign-in may take, in seconds (the provider's login page, MFA, ...). */
const FLOW_TTL_SECONDS = 600;
/** How long one request to a provider may take before sign-in fails as unavailable. */
const PROVIDER_TIMEOUT_MS = 5000;
/** How long a provider's discovery document is trusted, per isolate, before it is fetched again. */
const DISCOVERY_TTL_MS = 10 * 60_000;
/** What the provider is asked for: the subject, and the e-mail the tenant's domain rule reads. */
const SCOPE = "openid email profile";

/** Options of {@link oidcLogin}. */
export interface OidcLoginOptions {
  /**
   * The origin the authorization server runs on (`mcpResourceOf(...).origin`, from configuration, never from request
   * headers): the redirect URI is `<origin>/oauth/oidc/<slug>/callback`.
   */
  origin: string;
}

/** What `begin` keeps for `finish`, under `tmcp:oidc:<tenantId>:<state>`. */
interface PendingSignIn {
  handle: string;
  nonce: string;
  verifier: string;
  issuer: string;
  clientId: string;
  redirectUri: string;
  /** SHA-256 (hex) of the browser cookie's value. */
  browser: string;
  /** The scopes the person ticked on the consent page before leaving for the provider. */
  scopes?: string[];
}

/** The OpenID Connect {@link LoginMethod} for the authorization server at `o.origin`. */
export function oidcLogin(o: OidcLoginOptions): LoginMethod {
  return {
    kind: "oidc",
    async begin(rc, tenant, handle, consent) {
      const settings = oidcOf(tenant);
      const as = await discover(settings.issuer);
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const verifier = oauth.generateRandomCodeVerifier();
      const browser = oauth.generateRandomState();
      const redirectUri = oidcRedirectUri(o.origin, tenant.slug);
      const pending: PendingSignIn = {
        handle,
        nonce,
        verifier,
        issuer: settings.issuer,
        clientId: settings.clientId,
        redirectUri,
        browser: await sha256Hex(browser),
        scopes: (consent?.scopes ?? []).filter((s) => OIDC_USER_SCOPES.includes(s)),
      };
      try {
        await rc.shards
          .forTenant(tenant.tenantId)
          .set(oidcFlowKey(tenant.tenantId, state), pending, { ex: FLOW_TTL_SECONDS });
      } catch (err) {
        throw unavailable("Redis", err);
      }
      const url = new URL(as.authorization_endpoint as string);
      for (const [k, v] of Object.entries({
        client_id: settings.clientId,
        redirect_uri: redirectUri,
        response_type: "code",
        scope: SCOPE,
        state,
        nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
      })) {
        url.searchParams.set(k, v);
      }
      const headers = new Headers({ location: url.href, "cache-control": "no-store" });
      headers.append("set-cookie", browserCookie(o.origin, tenant.slug, state, browser, FLOW_TTL_SECONDS));
      return new Response(null, { status: 302, headers });
    },

    async finish(rc, tenant, request) {
      const settings = oidcOf(tenant);
      const url = new URL(request.url);
      const state = url.searchParams.get("state") ?? "";
      // A state we minted is 43 base64url characters; anything else names no sign-in and is not looked up.
      if (!/^[A-Za-z0-9_-]{43}$/.test(state)) throw failed("the callback carries no valid state", 400);
      let pending: PendingSignIn | null;
      try {
        // Once only: a replayed callback, or one for another tenant (the key names the tenant), finds nothing.
        pending = await rc.shards.forTenant(tenant.tenantId).getdel<PendingSignIn>(oidcFlowKey(tenant.tenantId, state));
      } catch (err) {
        throw unavailable("Redis", err);
      }
      if (!pending) throw failed("no pending sign-in for this state (expired, used, forged or another tenant's)", 400);
      const cookie = cookieValue(request, cookieName(state));
      if (!cookie || (await sha256Hex(cookie)) !== pending.browser) {
        // Login CSRF: someone else's sign-in, finished in this browser, would hand this user's identity to them.
        throw failed("the callback came to another browser than the one that started the sign-in", 400);
      }
      if (pending.issuer !== settings.issuer || pending.clientId !== settings.clientId) {
        throw failed("the tenant's provider changed during the sign-in", 400);
      }

      const as = await discover(settings.issuer);
      const client: oauth.Client = { client_id: settings.clientId };
      const auth = await clientAuth(rc, tenant, settings, as);
      const options = { ...insecure(settings.issuer), signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) };
      let claims: oauth.IDToken;
      try {
        // Checks `iss` (RFC 9207) when the provider supports it, the state, and turns an `error` into an exception.
        const params = oauth.validateAuthResponse(as, client, url, state);
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          pending.redirectUri,
          pending.verifier,
          options,
        );
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: pending.nonce,
          requireIdToken: true,
        });
        // The token came straight from the provider, but over plain HTTP in development and through whatever a
        // tenant's network does: check its signature against the provider's published keys anyway.
        await oauth.validateApplicationLevelSignature(as, response, {
          ...options,
          [oauth.jwksCache]: jwksCacheOf(settings.issuer),
        });
        claims = oauth.getValidatedIdTokenClaims(result) as oauth.IDToken;
      } catch (err) {
        throw protocolFailure(err);
      }
      return admit(settings, claims, pending);
    },
  };
}

/** The tenant's rules, then the user: `oidc:<sub>`, with the e-mail when the provider gave one. */
function admit(settings: OidcSettings, claims: oauth.IDToken, pending: PendingSignIn): SignedInUser {
  const email = typeof claims.email === "string" ? claims.email : undefined;
  if (settings.allowedEmailDomains.length) {
    const domain = email?.slice(email.lastIndexOf("@") + 1).toLowerCase();
    // An unverified e-mail proves nothing about the domain: anyone can type one into many providers' profiles.
    if (claims.email_verified !== true || !domain || !settings.allowedEmailDomains.includes(domain)) {
      throw refused(`e-mail ${email ?? "(none)"} is not a verified address in an allowed domain`);
    }
  }
  const rule = settings.requiredClaim;
  if (rule) {
    const value = claims[rule.name];
    const ok = Array.isArray(value) ? value.includes(rule.value) : value === rule.value;
    if (!ok) throw refused(`claim ${rule.name} lacks the required value`);
  }
  return {
    subject: `oidc:${claims.sub}`,
    ...(email ? { email } : {}),
    scopes: OIDC_USER_SCOPES,
    chosenScopes: pending.scopes ?? [],
    handle: pending.handle,
    login: { method: "oidc" },
  };
}

function oidcOf(tenant: TenantLoginTarget): OidcSettings {
  const settings = tenant.settings.oidc;
  if (!settings) throw new HttpError(404, "Sign-in with an identity provider is not set up for this organization");
  return settings;
}

/** How this server authenticates to the token endpoint: the sealed secret, opened only here, or none (PKCE only). */
async function clientAuth(
  rc: RequestContext,
  tenant: TenantLoginTarget,
  settings: OidcSettings,
  as: oauth.AuthorizationServer,
): Promise<oauth.ClientAuth> {
  if (settings.sealedClientSecret === null) return oauth.None();
  let secret: string;
  try {
    secret = await openSecret(
      { name: "LOGIN_SECRET_KEY", raw: rc.config.loginSecretKey ?? "" },
      tenant.tenantId,
      settings.sealedClientSecret,
    );
  } catch (err) {
    if (err instanceof SecretBoxError) {
      throw new HttpError(503, "Sign-in is temporarily unavailable", {
        internal: `tenant ${tenant.tenantId}: client secret: ${err.message}`,
        cause: err,
      });
    }
    throw err;
  }
  // client_secret_basic is the default (RFC 8414 §2); use post only for a provider that offers nothing else.
  const methods = as.token_endpoint_auth_methods_supported;
  return methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post")
    ? oauth.ClientSecretPost(secret)
    : oauth.ClientSecretBasic(secret);
}

// Per isolate, shared by every tenant that names the same issuer: only the public metadata and public keys of a
// provider, nothing of a tenant. A failed fetch is not cached, so the next sign-in tries again.
const discovered = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
const jwksCaches = new Map<string, oauth.JWKSCacheInput>();

/** The provider's metadata (OIDC Discovery 1.0), whose `issuer` must equal the configured one exactly. */
async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const hit = discovered.get(issuer);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.as;
  const url = new URL(issuer);
  let as: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(url, {
      algorithm: "oidc",
      ...insecure(issuer),
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
    as = await oauth.processDiscoveryResponse(url, response);
  } catch (err) {
    throw new HttpError(502, "The organization's sign-in provider cannot be reached; try again later", {
      internal: `OpenID Connect discovery of ${issuer} failed: ${describe(err)}`,
      cause: err,
    });
  }
  if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri) {
    throw new HttpError(502, "The organization's sign-in provider is misconfigured", {
      internal: `discovery of ${issuer} lacks authorization_endpoint, token_endpoint or jwks_uri`,
    });
  }
  discovered.set(issuer, { as, at: Date.now() });
  return as;
}

function jwksCacheOf(issuer: string): oauth.JWKSCacheInput {
  let cache = jwksCaches.get(issuer);
  if (!cache) {
    cache = {};
    jwksCaches.set(issuer, cache);
  }
  return cache;
}

/**
 * oauth4webapi refuses plain http, rightly; a provider on the developer's machine is the one exception (the control
 * plane accepts http issuers on loopback addresses only).
 */
function insecure(issuer: string): { [oauth.allowInsecureRequests]?: true } {
  const url = new URL(issuer);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  return url.protocol === "http:" && loopback ? { [oauth.allowInsecureRequests]: true } : {};
}

/** The cookie that binds a pending sign-in to the browser that started it, scoped to the tenant's callback. */
function browserCookie(origin: string, slug: string, state: string, value: string, maxAge: number): string {
  const path = new URL(oidcRedirectUri(origin, slug)).pathname;
  // SameSite=Lax: the provider sends the browser back with a top-level GET from its own site.
  const secure = origin.startsWith("https:") ? "; Secure" : "";
  return `${cookieName(state)}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/** One cookie per pending sign-in, so two sign-ins in two tabs do not overwrite each other's. */
function cookieName(state: string): string {
  return `tmcp_oidc_${state.slice(0, 16)}`;
}

function cookieValue(request: Request, name: string): string | undefined {
  return parseCookies(request.headers.get("cookie") ?? "", name)[name];
}

/** What a callback that cannot be completed says, whatever the reason (expired, replayed, forged, another tenant's). */
export const START_AGAIN = "Sign-in failed; start again from your MCP client";

/** A sign-in that cannot be completed: the user starts again from the MCP client. Detail goes to the log only. */
function failed(internal: string, status: number): HttpError {
  return new HttpError(status, START_AGAIN, { internal });
}

/** A user the tenant's rules do not admit. */
function refused(internal: string): HttpError {
  return new HttpError(403, "This account may not sign in to this organization", { internal });
}

/** An error of the provider's response or of our checks on it, as an HttpError. */
function protocolFailure(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof oauth.AuthorizationResponseError) {
    // The provider said no (the user cancelled, or the client is not allowed): only the error code, never its text.
    const code = /^[a-z_]{1,40}$/.test(err.error) ? err.error : "error";
    return new HttpError(403, `The sign-in provider refused the sign-in (${code})`, { internal: describe(err) });
  }
  if (
    err instanceof oauth.ResponseBodyError ||
    err instanceof oauth.WWWAuthenticateChallengeError ||
    err instanceof oauth.OperationProcessingError
  ) {
    return failed(`OpenID Connect: ${describe(err)}`, 400);
  }
  if (err instanceof TypeError || (err as Error)?.name === "TimeoutError" || (err as Error)?.name === "AbortError") {
    return new HttpError(502, "The organization's sign-in provider cannot be reached; try again later", {
      internal: describe(err),
      cause: err,
    });
  }
  return failed(`OpenID Connect: ${describe(err)}`, 400);
}

/** An error for the log: its code and message, and the OAuth `error` the provider answered with, if any. */
function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; error?: string };
  let provider = e.error;
  if (err instanceof oauth.WWWAuthenticateChallengeError) provider = err.cause[0]?.parameters.error;
  return [e.code, e.message, provider].filter(Boolean).join(": ") || String(err);
}
