/**
 * A local OpenID Connect provider for development and tests: `oidc-provider` (a certified OpenID Provider library) on a
 * port of its own, with one demo user per demo tenant, a plain login form (no JavaScript, so a test drives it with
 * fetch), consent granted without asking (the consent that matters is the MCP server's own), and open dynamic client
 * registration so each test can register a client with its own redirect URI. Development only: the users, their
 * passwords and the demo client's secret are in this file.
 *
 * For the tests of the relying party's defences it can also misbehave on purpose: `POST /__test/tamper` with
 * `{ "client_id", ... }` makes the next ID token issued to that client be re-signed with other claims (audience,
 * nonce, issuer) or with a key the provider never published, as a compromised or misconfigured provider would.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import Provider, { type Configuration } from "oidc-provider";

/** A Koa context of the provider's own middleware stack. */
type Ctx = Parameters<Parameters<Provider["use"]>[0]>[0];
/** A private signing key, as jose makes it. */
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** One user of the local provider. */
export interface OidcUser {
  /** The `sub` claim: stable, opaque. */
  sub: string;
  /** What is typed into the login form. */
  email: string;
  password: string;
  name: string;
  emailVerified: boolean;
  /** The `groups` claim; absent when undefined. */
  groups?: string[];
  /** The demo tenant this user belongs to, for `npm run dev`'s listing; absent for test-only users. */
  tenant?: string;
}

/** The users of every local provider: a demo user per demo tenant, then users the relying party's tests need. */
export const OIDC_USERS: readonly OidcUser[] = [
  {
    sub: "acme-alice",
    email: "alice@acme.example",
    password: "alice-demo",
    name: "Alice (Acme)",
    emailVerified: true,
    groups: ["mcp-users"],
    tenant: "acme",
  },
  {
    sub: "globex-hank",
    email: "hank@globex.example",
    password: "hank-demo",
    name: "Hank (Globex)",
    emailVerified: true,
    groups: ["mcp-users"],
    tenant: "globex",
  },
  {
    sub: "initech-peter",
    email: "peter@initech.example",
    password: "peter-demo",
    name: "Peter (Initech)",
    emailVerified: true,
    groups: ["mcp-users"],
    tenant: "initech",
  },
  // A verified user of a domain no demo tenant allows.
  {
    sub: "test-eve",
    email: "eve@evil.example",
    password: "eve-test",
    name: "Eve",
    emailVerified: true,
    groups: ["mcp-users"],
  },
  // The right domain, without the group.
  {
    sub: "test-nogroup",
    email: "nogroup@acme.example",
    password: "nogroup-test",
    name: "No Group",
    emailVerified: true,
  },
  // The right domain and group, the e-mail never verified: it proves nothing about the domain.
  {
    sub: "test-unverified",
    email: "unverified@acme.example",
    password: "unverified-test",
    name: "Unverified",
    emailVerified: false,
    groups: ["mcp-users"],
  },
];

/** A client registered at start (others can register themselves). */
export interface OidcClient {
  clientId: string;
  /** Absent: a public client. */
  clientSecret?: string;
  redirectUris: string[];
}

/** Options of {@link startOidcProvider}. */
export interface OidcProviderOptions {
  /** Port on 127.0.0.1. Default 0: a free port. */
  port?: number;
  /** Clients known from the start. Default none. */
  clients?: OidcClient[];
}

/** A running local provider. */
export interface LocalOidcProvider {
  /** The issuer, e.g. `http://127.0.0.1:8788`: discovery is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  users: readonly OidcUser[];
  close(): Promise<void>;
}

/** What a tamper request changes in the next ID token issued to its client. */
interface Tamper {
  aud?: string;
  nonce?: string;
  iss?: string;
  /** Sign with a key of the same `kid` that the provider never published. */
  foreignKey?: boolean;
}

/** Starts a provider on 127.0.0.1 and resolves once it listens. */
export async function startOidcProvider(o: OidcProviderOptions = {}): Promise<LocalOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const signing = await signingKey("local-oidc-1");
  const foreign = await signingKey("local-oidc-1");
  const tampers = new Map<string, Tamper>();
  const users = new Map(OIDC_USERS.map((u) => [u.sub, u]));

  const configuration: Configuration = {
    clients: (o.clients ?? []).map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret
        ? { client_secret: c.clientSecret, token_endpoint_auth_method: "client_secret_basic" }
        : { token_endpoint_auth_method: "none" }),
      redirect_uris: c.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
    })),
    jwks: { keys: [signing.jwk] },
    cookies: { keys: [crypto.randomUUID()] },
    // `groups` rides with `openid`, as providers that emit group claims do, so every ID token carries what a tenant
    // may require.
    claims: { openid: ["sub", "groups"], email: ["email", "email_verified"], profile: ["name"] },
    // Claims in the ID token itself, not only at userinfo: the relying party reads the ID token alone.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Short lives, in seconds: a development provider keeps everything in memory.
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(_ctx, id) {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: user.email,
          email_verified: user.emailVerified,
          name: user.name,
          ...(user.groups ? { groups: user.groups } : {}),
        }),
      };
    },
    // Consent without a screen: every scope the client asks for is granted (the MCP server asks its own consent).
    async loadExistingGrant(ctx) {
      const { provider, session, client, result, params } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope(String(params?.scope ?? "openid"));
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);

  provider.use(async (ctx, next) => {
    if (ctx.path === "/__test/tamper" && ctx.method === "POST") {
      const body = JSON.parse(await readBody(ctx.req)) as Tamper & { client_id?: string };
      if (body.client_id) tampers.set(body.client_id, body);
      ctx.status = body.client_id ? 204 : 400;
      return;
    }
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(ctx.path);
    if (interaction) return loginInteraction(provider, ctx, users);
    await next();
    // A misbehaving provider, on request: the next ID token of this client, re-signed as asked.
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === "/token" && ctx.status === 200 && body?.id_token) {
      const aud = decodeJwt(body.id_token).aud;
      const clientId = Array.isArray(aud) ? aud[0] : aud;
      const tamper = clientId ? tampers.get(clientId) : undefined;
      if (tamper && clientId) {
        tampers.delete(clientId);
        ctx.body = { ...body, id_token: await resign(body.id_token, tamper, tamper.foreignKey ? foreign : signing) };
      }
    }
  });
  server.on("request", provider.callback());

  return {
    issuer,
    users: OIDC_USERS,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The login form (GET), and its check (POST): a known e-mail and its password sign that user in. */
async function loginInteraction(provider: Provider, ctx: Ctx, users: Map<string, OidcUser>): Promise<void> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  ctx.set("cache-control", "no-store");
  if (ctx.method === "POST") {
    const form = new URLSearchParams(await readBody(ctx.req));
    const user = [...users.values()].find((u) => u.email === form.get("login")?.trim().toLowerCase());
    if (!user || user.password !== form.get("password")) {
      ctx.status = 401;
      ctx.type = "html";
      ctx.body = loginPage(details.uid, "Unknown e-mail or wrong password.");
      return;
    }
    const to = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: user.sub } },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(to);
    return;
  }
  ctx.type = "html";
  ctx.body = loginPage(details.uid);
}

function loginPage(uid: string, error?: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Local OpenID Connect provider: sign in</title></head>
<body>
<h1>Sign in (local development provider)</h1>
${error ? `<p role="alert">${error}</p>` : ""}
<form method="post" action="/interaction/${encodeURIComponent(uid)}">
  <label>E-mail <input name="login" type="email" required autofocus></label>
  <label>Password <input name="password" type="password" required></label>
  <button type="submit">Sign in</button>
</form>
</body></html>`;
}

async function signingKey(kid: string): Promise<{ jwk: JWK; key: PrivateKey }> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { jwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" }, key: privateKey };
}

async function resign(idToken: string, tamper: Tamper, key: { key: PrivateKey; jwk: JWK }): Promise<string> {
  const claims = { ...decodeJwt(idToken) };
  if (tamper.aud !== undefined) claims.aud = tamper.aud;
  if (tamper.nonce !== undefined) claims.nonce = tamper.nonce;
  if (tamper.iss !== undefined) claims.iss = tamper.iss;
  const header = decodeProtectedHeader(idToken);
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: header.kid }).sign(key.key);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
