/**
 * A user's browser at the local OpenID Connect provider (local-cloud/oidc.ts), driven with plain fetch: it keeps
 * cookies per origin, follows the provider's redirects, fills in its login form, and stops at the redirect back to
 * the MCP server's callback, which the test then hands to the login method's `finish`.
 */
import { inject } from "vitest";

export const oidc = inject("oidc");

/** A user of the local provider by e-mail. */
export function oidcUser(email: string): { email: string; password: string; sub: string } {
  const user = oidc.users.find((u) => u.email === email);
  if (!user) throw new Error(`no user ${email} at the local provider`);
  return user;
}

/** A client registered at the local provider (dynamic registration, RFC 7591). */
export interface RegisteredClient {
  clientId: string;
  /** Absent for a public client. */
  clientSecret?: string;
}

/** Registers a client with its redirect URIs; `public: true` for one without a secret (PKCE only). */
export async function registerClient(
  redirectUri: string | readonly string[],
  o: { public?: boolean } = {},
): Promise<RegisteredClient> {
  const discovery = (await (await fetch(`${oidc.issuer}/.well-known/openid-configuration`)).json()) as {
    registration_endpoint: string;
  };
  const response = await fetch(discovery.registration_endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: typeof redirectUri === "string" ? [redirectUri] : redirectUri,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: o.public ? "none" : "client_secret_basic",
    }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { client_id: string; client_secret?: string };
  return { clientId: body.client_id, ...(body.client_secret ? { clientSecret: body.client_secret } : {}) };
}

/** Makes the provider misbehave once: the next ID token for `clientId` is re-signed with these changes. */
export async function tamperNextIdToken(
  clientId: string,
  changes: { aud?: string; nonce?: string; iss?: string; foreignKey?: boolean },
): Promise<void> {
  const response = await fetch(`${oidc.issuer}/__test/tamper`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: clientId, ...changes }),
  });
  if (response.status !== 204) throw new Error(`tamper failed: ${response.status}`);
}

/** One browser: its cookies, per origin. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** Keeps the cookies a response sets for `url`'s origin (a cookie with Max-Age=0 is dropped). */
  keep(url: string | URL, response: Response): void {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      if (/;\s*max-age=0/i.test(line)) cookies.delete(pair.slice(0, at).trim());
      else cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    this.jar.set(origin, cookies);
  }

  /** The Cookie header for `url`. */
  cookieHeader(url: string | URL): string {
    return [...(this.jar.get(new URL(url).origin) ?? [])].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    this.keep(url, response);
    return response;
  }

  /**
   * Follows the provider from `start` (its authorization URL) until it redirects somewhere else, signing in as
   * `user` when it shows its login form. Returns that redirect: the callback URL with `code`, `state` and `iss`.
   */
  async signInAtProvider(start: string, user: { email: string; password: string }): Promise<URL> {
    let url = new URL(start);
    for (let hop = 0; hop < 10; hop++) {
      if (url.origin !== new URL(oidc.issuer).origin) return url;
      let response = await this.fetch(url);
      if (response.status === 200 && /<form method="post"/.test(await response.clone().text())) {
        response = await this.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ login: user.email, password: user.password }),
        });
      }
      const location = response.headers.get("location");
      if (!location) throw new Error(`the provider stopped at ${url.pathname}: ${response.status}`);
      url = new URL(location, url);
    }
    throw new Error("too many redirects at the provider");
  }
}
