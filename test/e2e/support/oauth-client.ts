/**
 * OAuth for the real MCP client libraries, headless: an `OAuthClientProvider` (the SDKs' interface, v1 and v2 alike)
 * whose "browser" is plain fetch. When the SDK sends the user to `/authorize`, it opens the sign-in page, posts the
 * form with a tenant's API key, its CSRF handle and the `__Host-` cookie that binds the form to this "browser", and
 * follows the redirect to the client's own loopback callback server, as a desktop client does. The code then goes to
 * the transport's `finishAuth`, and the next connection carries the token.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";

/** Who signs in on the page, and what they allow. */
export interface SignIn {
  apiKey: string;
  /** The tenant's slug, typed on the page (the shared host asks for it). */
  tenant: string;
  /** The access boxes ticked. Default: both. */
  scopes?: string[];
}

/** What one pass through the sign-in page saw. */
export interface SignInTrace {
  /** The `/authorize` URL the SDK sent the person to. */
  authorizationUrl: URL;
  /** The page's HTML. */
  page: string;
  /** The redirect the form answered with, as the callback server received it. */
  callback: URL;
}

/** Client metadata every test client uses (a public client: PKCE, no secret). */
function metadata(
  name: string,
  redirectUri: string,
): {
  client_name: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
} {
  return {
    client_name: name,
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
}

// The SDKs' provider interfaces differ only in their stored types' names; this class satisfies both structurally.
type Json = Record<string, unknown>;

/**
 * An in-memory `OAuthClientProvider` for one person at one server. With `clientMetadataUrl` the SDK uses it as the
 * client id (CIMD); without, it registers the client (DCR) and keeps what the server answered.
 */
export class HeadlessOAuthProvider {
  readonly clientMetadataUrl: string | undefined;
  /** Every pass through the sign-in page, oldest first. */
  readonly traces: SignInTrace[] = [];
  private info: Json | undefined;
  private stored: Json | undefined;
  private verifier = "";
  private lastState = "";

  private readonly signIn: SignIn;
  private readonly callback: CallbackServer;
  private readonly name: string;

  constructor(signIn: SignIn, callback: CallbackServer, o: { name?: string; clientMetadataUrl?: string } = {}) {
    this.signIn = signIn;
    this.callback = callback;
    this.clientMetadataUrl = o.clientMetadataUrl;
    this.name = o.name ?? "tenant-mcp e2e client";
  }

  get redirectUrl(): string {
    return this.callback.url;
  }

  get clientMetadata(): ReturnType<typeof metadata> {
    return metadata(this.name, this.callback.url);
  }

  state(): string {
    this.lastState = randomBytes(16).toString("base64url");
    return this.lastState;
  }

  clientInformation(): never {
    return this.info as never;
  }

  saveClientInformation(info: Json): void {
    this.info = info;
  }

  tokens(): never {
    return this.stored as never;
  }

  saveTokens(tokens: Json): void {
    this.stored = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }

  /** The person's part: the sign-in page, the form, the redirect to the callback server. */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.traces.push(await signInHeadless(authorizationUrl, this.signIn, this.callback));
  }

  /** The access token the server issued last (undefined before sign-in). */
  get accessToken(): string | undefined {
    return this.stored?.access_token as string | undefined;
  }

  /**
   * The callback of the last sign-in, checked as a careful client checks it: our `state` came back, and `iss` names
   * the expected issuer (RFC 9207). Returns its query.
   */
  takeCallback(issuer: string): URLSearchParams {
    const trace = this.traces.at(-1);
    if (!trace) throw new Error("no sign-in happened");
    const q = trace.callback.searchParams;
    expect(q.get("error"), q.get("error_description") ?? "").toBeNull();
    expect(q.get("state")).toBe(this.lastState);
    expect(q.get("iss")).toBe(issuer);
    return q;
  }
}

/**
 * The person's part at `/authorize`, with fetch: GET the page (keep the binding cookie, read the CSRF handle), POST the
 * form to the same URL, and return the page and where the answer redirects (the client's redirect URI, not followed).
 */
export async function approveSignIn(url: URL, signIn: SignIn): Promise<{ page: string; location: URL }> {
  const open = await fetch(url, { redirect: "manual" });
  const page = await open.text();
  if (open.status !== 200) throw new Error(`sign-in page answered ${open.status}: ${page.slice(0, 300)}`);
  const handle = /name="handle" value="([^"]*)"/.exec(page)?.[1];
  if (!handle) throw new Error("sign-in page has no CSRF handle");
  // Only `name=value` travels back, as a browser sends it.
  const cookie = open.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const form = new URLSearchParams({ handle: unescapeHtml(handle), tenant: signIn.tenant, api_key: signIn.apiKey });
  for (const s of signIn.scopes ?? ["mcp:read", "mcp:write"]) form.append("scope", s);
  form.set("decision", "approve");
  const posted = await fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: form.toString(),
  });
  const location = posted.headers.get("location");
  if (posted.status !== 302 || !location) {
    throw new Error(`sign-in form answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
  }
  return { page, location: new URL(location) };
}

/** {@link approveSignIn}, then the redirect followed to `callback`, which must be where it points. */
export async function signInHeadless(url: URL, signIn: SignIn, callback: CallbackServer): Promise<SignInTrace> {
  const { page, location } = await approveSignIn(url, signIn);
  if (`${location.origin}${location.pathname}` !== callback.url) throw new Error(`redirected elsewhere: ${location}`);
  const received = callback.next();
  await (await fetch(location)).arrayBuffer();
  return { authorizationUrl: url, page, callback: await received };
}

/** Undoes the page's escaping (numeric character references). */
function unescapeHtml(s: string): string {
  return s.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** A client's loopback redirect target (RFC 8252 7.3): it records what the authorization server sent back. */
export interface CallbackServer {
  /** `http://127.0.0.1:<port>/callback` */
  url: string;
  /** The next callback request's URL. */
  next(): Promise<URL>;
  close(): Promise<void>;
}

/** Starts a {@link CallbackServer} on a free loopback port. */
export async function startCallbackServer(): Promise<CallbackServer> {
  const waiting: Array<(url: URL) => void> = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    res.writeHead(200, { "content-type": "text/plain" }).end("You can close this window.");
    waiting.shift()?.(url);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/callback`,
    next: () => new Promise<URL>((resolve) => waiting.push(resolve)),
    close: () => closeServer(server),
  };
}

/** An HTTPS server on 127.0.0.1 serving Client ID Metadata Documents, and counting fetches of each. */
export interface MetadataServer {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** Serves `document` at `path` from now on. */
  publish(path: string, document: unknown): string;
  /** How many times `path` was fetched. */
  fetches(path: string): number;
  close(): Promise<void>;
}

/** Starts a {@link MetadataServer} with `tls` (a certificate for 127.0.0.1 the Worker trusts). */
export async function startMetadataServer(tls: { cert: string; key: string }): Promise<MetadataServer> {
  const documents = new Map<string, string>();
  const counts = new Map<string, number>();
  const server = createHttpsServer(tls, (req, res) => {
    const path = new URL(req.url ?? "/", "https://127.0.0.1").pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const body = documents.get(path);
    if (body === undefined) return void res.writeHead(404).end();
    // No caching: each test's document is read fresh by the Worker.
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
  });
  const port = await listen(server);
  const origin = `https://127.0.0.1:${port}`;
  return {
    origin,
    publish(path, document) {
      documents.set(path, JSON.stringify(document));
      return `${origin}${path}`;
    },
    fetches: (path) => counts.get(path) ?? 0,
    close: () => closeServer(server),
  };
}

/** A Client ID Metadata Document for a public loopback client. */
export function clientMetadataDocument(clientId: string, name: string, redirectUri: string): Record<string, unknown> {
  return { client_id: clientId, ...metadata(name, redirectUri) };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
