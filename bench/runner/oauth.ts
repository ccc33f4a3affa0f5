/**
 * An OAuth access token for the bench tenant, obtained the way a client obtains one: dynamic registration, the
 * authorization request with PKCE, the sign-in form posted with the tenant's API key (its CSRF handle and binding
 * cookie), and the code exchanged at the token endpoint. Plain fetch; the redirect is read, never followed (no client
 * listens there).
 */
import { createHash, randomBytes } from "node:crypto";

// A loopback redirect: the Worker only checks it is the registered one.
const REDIRECT_URI = "http://127.0.0.1/bench/callback";

/** Signs in to `origin`'s authorization server as tenant `slug` with `apiKey`; returns the access token for `mcpUrl`. */
export async function obtainOAuthToken(origin: string, mcpUrl: string, slug: string, apiKey: string): Promise<string> {
  const registered = await fetch(`${origin}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "tenant-mcp bench",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  if (registered.status !== 201) throw new Error(`registration: HTTP ${registered.status} ${await registered.text()}`);
  const clientId = ((await registered.json()) as { client_id: string }).client_id;

  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(`${origin}/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    state: randomBytes(8).toString("hex"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    resource: mcpUrl,
    scope: "mcp:read mcp:write",
  }).toString();
  const page = await fetch(url, { redirect: "manual" });
  const html = await page.text();
  const handle = /name="handle" value="([^"]*)"/.exec(html)?.[1];
  if (page.status !== 200 || !handle) throw new Error(`sign-in page: HTTP ${page.status} ${html.slice(0, 200)}`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const form = new URLSearchParams({ handle, tenant: slug, api_key: apiKey, decision: "approve" });
  form.append("scope", "mcp:read");
  form.append("scope", "mcp:write");
  const signedIn = await fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: form.toString(),
  });
  const code = new URL(signedIn.headers.get("location") ?? "http://invalid/").searchParams.get("code");
  if (signedIn.status !== 302 || !code) throw new Error(`sign-in: HTTP ${signedIn.status} ${await signedIn.text()}`);

  const exchanged = await fetch(`${origin}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
      resource: mcpUrl,
    }).toString(),
  });
  const tokens = (await exchanged.json()) as { access_token?: string };
  if (exchanged.status !== 200 || !tokens.access_token) {
    throw new Error(`token exchange: HTTP ${exchanged.status} ${JSON.stringify(tokens)}`);
  }
  return tokens.access_token;
}
