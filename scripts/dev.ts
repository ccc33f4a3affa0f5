/**
 * `npm run dev`: the whole local stack in one command. Starts the local cloud (real PostgreSQL and Redis, or the
 * embedded fallbacks), migrates and seeds the database, places the demo tenants on the three isolation tiers, makes
 * sure each demo tenant has a working API key (printed and written to .dev-keys.json), writes .dev.vars, starts a
 * local OpenID Connect provider (http://127.0.0.1:8788) and signs `acme` in through it (`globex` signs in with an API
 * key), then runs `wrangler dev` on http://127.0.0.1:8787, whose origin is also its PUBLIC_BASE_URL (OAuth on), and
 * prints how to connect the MCP Inspector with OAuth.
 */
import { ensureDevOperatorToken } from "./lib/dev-operator.ts";
import { readFile, writeFile } from "node:fs/promises";
import { bringUpCloud, closeOnSignal, describeCloud, parseCloudArgs } from "../local-cloud/main.ts";
import { readDotenv } from "../local-cloud/dev-vars.ts";
import { startOidcProvider, type LocalOidcProvider } from "../local-cloud/oidc.ts";
import { connect, localCloudConnection } from "./admin/connect.ts";
import { setTenantLogin } from "../src/control/login.ts";
import { oidcRedirectUri } from "../src/oauth/login/redirect.ts";
import { placeDemoTenants } from "./lib/demo-tiers.ts";
import { startWranglerDev, type WranglerDev } from "./lib/wrangler-dev.ts";
import { parseApiKey, verifySecret } from "../src/auth/api-key.ts";
import { createKey } from "../src/control/keys.ts";
import { ownerTransaction } from "../src/control/owner-sql.ts";
import type { AdminDeps } from "../src/control/types.ts";

const HELP = `Usage: npm run dev -- [options]

Starts the local cloud, migrates and seeds the database (demo tenants acme, globex, initech), puts globex's data in
a schema of its own and acme's in a database of its own (initech stays shared; docs/isolation.md), prints one API key
per demo tenant and an admin token for the operator API (also written to .dev-keys.json), and serves the Worker with
wrangler dev on http://127.0.0.1:8787.

Also starts a local OpenID Connect provider with a demo user per demo tenant; acme's users sign in through it, globex's
with an API key (\`npm run admin -- tenant login <slug> --show\`).

Options: those of \`npm run cloud\` (see \`npm run cloud -- --help\`), plus
  --port N       port of wrangler dev (default 8787)
  --oidc-port N  port of the local OpenID Connect provider (default 8788)`;

const DEMO_TENANTS = ["acme", "globex", "initech"] as const;
const KEYS_FILE = ".dev-keys.json";
const DEV_KEY_NAME = "dev key (npm run dev)";
/** The demo client of `acme` at the local provider. Development only, like everything the local provider knows. */
const ACME_CLIENT = { clientId: "tenant-mcp-acme", clientSecret: "acme-dev-client-secret" };

const log = (m: string): void => void process.stderr.write(`[dev] ${m}\n`);

const argv = process.argv.slice(2);
const portAt = argv.indexOf("--port");
const port = portAt >= 0 ? (argv.splice(portAt, 2)[1] ?? "") : "8787";
const oidcPortAt = argv.indexOf("--oidc-port");
const oidcPort = oidcPortAt >= 0 ? (argv.splice(oidcPortAt, 2)[1] ?? "") : "8788";
for (const [flag, value] of [
  ["--port", port],
  ["--oidc-port", oidcPort],
]) {
  if (!/^\d+$/.test(value as string)) {
    process.stderr.write(`error: ${flag} must be a number\n`);
    process.exit(2);
  }
}
const args = parseCloudArgs(argv, HELP);
const devVars = args.devVars ?? ".dev.vars";
const cloud = await bringUpCloud({ ...args, migrate: true, seed: true, devVars }, log);
describeCloud(cloud, log);

const vars = await readDotenv(devVars);
// As an operator would, through the control plane: demo keys, and the demo tenants' sign-in settings below.
const control = connect(localCloudConnection({ ...cloud, adminDatabaseUrl: cloud.pg.adminUrl }, vars));
await placeDemoTenants(control, cloud.engines.postgres, log);
const keys = await ensureDevKeys(control);
const operatorToken = await ensureDevOperatorToken(control, await previousKeys().then((k) => k.operator));
await writeFile(KEYS_FILE, `${JSON.stringify({ ...keys, operator: operatorToken }, null, 2)}\n`, { mode: 0o600 });
log(`API keys (also in ${KEYS_FILE}):`);
for (const [slug, key] of Object.entries(keys)) log(`  ${slug.padEnd(8)} ${key}`);
log(`Operator token (role admin; "operator" in ${KEYS_FILE}): ${operatorToken}`);

let oidc: LocalOidcProvider;
try {
  oidc = await startDevOidc();
} catch (err) {
  await cloud.close();
  process.stderr.write(`error: local OpenID Connect provider: ${(err as Error).message}\n`);
  process.exit(1);
}

// The Worker's variables come only from the file the cloud wrote: a DATABASE_URL in the shell (the cloud's admin
// URL) must not reach the Worker, which wrangler would otherwise let win over the file.
let wrangler: WranglerDev;
try {
  wrangler = await startWranglerDev({
    port: Number(port),
    envFiles: [devVars],
    // OAuth is offered on the origin clients use: tokens are bound to <origin>/mcp. `wrangler dev` runs no Cron
    // Trigger, so every audit row is flushed by its own request (a batch of one): `usage` shows a call at once.
    // OPERATOR_DATABASE_URL and UPSTASH_SHARDS (`--redis-shards`) are optional secrets, and wrangler passes on only the
    // variables and secrets wrangler.toml declares: they go as variables (locally they hold no password).
    vars: {
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      AUDIT_FLUSH_BATCH_SIZE: "1",
      ...(vars.OPERATOR_DATABASE_URL ? { OPERATOR_DATABASE_URL: vars.OPERATOR_DATABASE_URL } : {}),
      ...(cloud.upstashShards.length > 1 ? { UPSTASH_SHARDS: JSON.stringify(cloud.upstashShards) } : {}),
    },
    verbose: true,
    log: (m) => process.stdout.write(`${m}\n`),
  });
} catch (err) {
  await oidc.close();
  await cloud.close();
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
closeOnSignal(async () => {
  await wrangler.stop();
  await oidc.close();
  await cloud.close();
});
log(`MCP endpoint: ${wrangler.url}/mcp  (Authorization: Bearer <key>, or OAuth)`);
log(`Operator API: ${wrangler.url}/admin/api/v1  (Authorization: Bearer <operator token>; docs/operator-api.md)`);
log(`Web console: ${wrangler.url}/admin  (sign in with the operator token above; docs/console.md)`);
describeInspector(`${wrangler.url}/mcp`);

/**
 * How to connect the MCP Inspector with OAuth: without a key it finds the authorization server itself, registers,
 * and asks the person to open the sign-in page, where a tenant's slug and API key (globex) sign them in.
 */
function describeInspector(mcpUrl: string): void {
  log("MCP Inspector with OAuth (no key on the command line; run it in a terminal):");
  log(`  npx @modelcontextprotocol/inspector --cli ${mcpUrl} --transport http --method tools/list`);
  log("  It prints 'Please navigate to: <url>': open it, type tenant globex and globex's API key above, Allow.");
  log("  Add --protocol-era modern for 2026-07-28, or --client-metadata-url <https url> to sign in by CIMD instead of");
  log("  registering. acme's people sign in through the OpenID Connect provider above.");
}

/**
 * Starts the local OpenID Connect provider with acme's demo client, points acme's sign-in at it (API-key sign-in off,
 * so the demo shows the provider) and globex's at API keys only, and prints who can sign in.
 */
async function startDevOidc(): Promise<LocalOidcProvider> {
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const provider = await startOidcProvider({
    port: Number(oidcPort),
    clients: [{ ...ACME_CLIENT, redirectUris: origins.map((o) => oidcRedirectUri(o, "acme")) }],
  });
  try {
    // The client secret is sealed with the Worker's key.
    await setTenantLogin(control, "acme", {
      oidcIssuer: provider.issuer,
      clientId: ACME_CLIENT.clientId,
      clientSecret: ACME_CLIENT.clientSecret,
      allowedEmailDomains: ["acme.example"],
      apiKeyLogin: false,
    });
    await setTenantLogin(control, "globex", { disableOidc: true, apiKeyLogin: true });
  } catch (err) {
    await provider.close();
    throw err;
  }
  log(`OpenID Connect provider: ${provider.issuer}  (acme signs in here; globex with an API key)`);
  for (const u of provider.users.filter((user) => user.tenant)) {
    log(`  ${(u.tenant as string).padEnd(8)} ${u.email} / ${u.password}`);
  }
  return provider;
}

/**
 * Reuses the keys in .dev-keys.json while they still verify (same pepper, not revoked), so a client configured
 * yesterday keeps working; mints a new one, through the control plane as `npm run admin -- key create` would, for any
 * tenant whose key does not.
 */
async function ensureDevKeys(deps: AdminDeps): Promise<Record<string, string>> {
  const previous = await previousKeys();
  const out: Record<string, string> = {};
  for (const slug of DEMO_TENANTS) {
    const existing = previous[slug];
    if (existing && (await stillValid(deps, existing, slug))) {
      out[slug] = existing;
      continue;
    }
    out[slug] = (await createKey(deps, slug, { name: DEV_KEY_NAME })).apiKey;
  }
  return out;
}

/** What .dev-keys.json held; empty when there is none. */
function previousKeys(): Promise<Record<string, string>> {
  return readFile(KEYS_FILE, "utf8")
    .then((t) => JSON.parse(t) as Record<string, string>)
    .catch(() => ({}) as Record<string, string>);
}

/** Whether `key` is an active key of the tenant `slug` whose secret verifies under this stack's pepper. */
async function stillValid(deps: AdminDeps, key: string, slug: string): Promise<boolean> {
  const parsed = parseApiKey(key);
  if (!parsed) return false;
  // Row-level security scopes the owner's read to the tenant `slug`: another tenant's key id matches nothing.
  const { results } = await ownerTransaction(deps.sql, { slug }, [
    {
      text: `select secret_hash from public.api_keys
              where id = $1 and revoked_at is null and (expires_at is null or expires_at > now())`,
      params: [parsed.keyId],
    },
  ]);
  const hash = results[0]?.[0]?.secret_hash;
  return typeof hash === "string" && (await verifySecret(deps.pepper, parsed.secret, hash));
}
