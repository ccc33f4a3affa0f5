// An authorization code that has expired is refused at the token endpoint.
//
// The code's lifetime is not ours to configure: @cloudflare/workers-oauth-provider 1.2.3 stores the pending grant
// that the code unlocks with a fixed KV `expirationTtl` of 600 s (completeAuthorization), and the code is good exactly
// as long as that entry exists. Waiting ten minutes is no test, so this one lets the code's time run out faster the
// only way the storage allows: it rewrites the pending grant, unchanged, with the shortest TTL KV accepts (60 s),
// through wrangler against the local state `wrangler dev` serves from, and waits for it to pass.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { type CallbackServer, signInHeadless, startCallbackServer } from "./support/oauth-client.ts";
import { createTenant, type E2eTenant } from "./support/tenants.ts";

const { mcpUrl, origin } = inject("e2e");
const run = promisify(execFile);
const WRANGLER = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
/** KV's shortest expiry, in seconds. */
const KV_MIN_TTL = 60;

/** `wrangler kv key <args> --binding OAUTH_KV --local`: the namespace `wrangler dev` keeps under .wrangler/state. */
async function kv(args: string[]): Promise<string> {
  // Retried: this second process writes the local state `wrangler dev` holds open, and on a busy machine its local
  // KV server has answered 500 once in CI. Every use here (get, or put of the same value) is safe to repeat.
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(
        process.execPath,
        [WRANGLER, "kv", "key", ...args, "--binding", "OAUTH_KV", "--local"],
        { cwd: PROJECT, env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, maxBuffer: 16 * 1024 * 1024 },
      );
      return stdout;
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

let tenant: E2eTenant;
let callback: CallbackServer;
beforeAll(async () => {
  [tenant, callback] = await Promise.all([createTenant("free"), startCallbackServer()]);
});
afterAll(async () => {
  await callback?.close();
});

/** A registered client's authorization code, signed in and consented, not yet exchanged. */
interface PendingCode {
  clientId: string;
  code: string;
  verifier: string;
}

async function pendingCode(): Promise<PendingCode> {
  const registered = await fetch(`${origin}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Slow client",
      redirect_uris: [callback.url],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code"],
      response_types: ["code"],
    }),
  });
  expect(registered.status).toBe(201);
  const clientId = ((await registered.json()) as { client_id: string }).client_id;
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(`${origin}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: callback.url,
    state: "slow",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    resource: mcpUrl,
  })) {
    url.searchParams.set(k, v);
  }
  const { callback: back } = await signInHeadless(url, { apiKey: tenant.apiKey, tenant: tenant.slug }, callback);
  return { clientId, code: back.searchParams.get("code") ?? "", verifier };
}

/** Rewrites the pending grant `code` unlocks, unchanged, to expire {@link KV_MIN_TTL} seconds from now. */
async function shorten({ code, clientId }: PendingCode): Promise<void> {
  // The code is `<user id>:<grant id>:<secret>`; the grant it unlocks is stored at `grant:<user id>:<grant id>`.
  const [userId, grantId] = code.split(":");
  const name = `grant:${userId}:${grantId}`;
  const out = await kv(["list", "--prefix", name]);
  const listed = JSON.parse(out.slice(out.indexOf("["))) as Array<{ expiration?: number; metadata?: unknown }>;
  // As the library left it: expiring about 600 s from now.
  expect(listed).toHaveLength(1);
  const left = (listed[0]?.expiration ?? 0) - Date.now() / 1000;
  expect(left).toBeGreaterThan(500);
  expect(left).toBeLessThanOrEqual(600);
  const value = (await kv(["get", name, "--text"])).trim();
  expect(JSON.parse(value)).toMatchObject({ id: grantId, clientId });
  const metadata = listed[0]?.metadata ? ["--metadata", JSON.stringify(listed[0].metadata)] : [];
  await kv(["put", name, value, "--ttl", String(KV_MIN_TTL), ...metadata]);
}

function exchange({ clientId, code, verifier }: PendingCode): Promise<Response> {
  return fetch(`${origin}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: callback.url,
      client_id: clientId,
      code_verifier: verifier,
      resource: mcpUrl,
    }).toString(),
  });
}

it("refuses an authorization code once its time has run out", { timeout: 150_000 }, async () => {
  const [late, prompt] = await Promise.all([pendingCode(), pendingCode()]);
  await Promise.all([shorten(late), shorten(prompt)]);
  const shortenedAt = Date.now();
  // Control: the rewrite itself leaves a code good while its time lasts.
  const early = await exchange(prompt);
  expect(early.status, await early.clone().text()).toBe(200);

  await new Promise((resolve) => setTimeout(resolve, shortenedAt + (KV_MIN_TTL + 2) * 1000 - Date.now()));
  const expired = await exchange(late);
  expect(expired.status).toBe(400);
  expect(await expired.json()).toMatchObject({ error: "invalid_grant" });
});
