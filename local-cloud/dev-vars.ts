import { readFile, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import type { Cloud } from "./start.ts";

/** The Worker's login role (NOBYPASSRLS, owns nothing); see sql/. */
const APP_ROLE = "tenant_mcp_app";

/** The role that owns the schema, which the admin CLI and the operator API run the control plane as; see sql/. */
const OWNER_ROLE = "tenant_mcp_owner";

/** The cloud's database as `role`, no password (the local cloud trusts local logins). */
function databaseUrlAs(adminUrl: string, role: string): string {
  const url = new URL(adminUrl);
  url.username = role;
  url.password = "";
  return url.toString();
}

/**
 * Writes the variables `wrangler dev` needs to reach the local cloud (git-ignored `.dev.vars`), and marks the Worker as
 * local (loopback browser origins allowed). The API-key pepper and the login secret key already in the file are kept,
 * so keys minted and client secrets sealed earlier keep working; new ones are generated only on first run.
 * Returns the variables written.
 */
export async function writeDevVars(path: string, cloud: Cloud): Promise<Record<string, string>> {
  const existing = await readDotenv(path);
  const vars: Record<string, string> = {
    DATABASE_URL: databaseUrlAs(cloud.pg.adminUrl, APP_ROLE),
    // The operator API (/admin/api/v1) runs the control plane with the owner's login, as the admin CLI does.
    OPERATOR_DATABASE_URL: databaseUrlAs(cloud.pg.adminUrl, OWNER_ROLE),
    UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
    // Several Upstash databases (`--redis-shards`): the Worker and the admin CLI read the list (src/redis/shards.ts).
    ...(cloud.upstashShards.length > 1 ? { UPSTASH_SHARDS: JSON.stringify(cloud.upstashShards) } : {}),
    API_KEY_PEPPER: existing.API_KEY_PEPPER || randomBytes(32).toString("base64url"),
    // Seals tenants' OpenID Connect client secrets (`tenant login`); kept like the pepper, so secrets stored earlier
    // still open.
    LOGIN_SECRET_KEY: existing.LOGIN_SECRET_KEY || randomBytes(32).toString("base64url"),
    // Seals dedicated tenant databases' connection strings (the database isolation tier); kept for the same reason.
    DATA_SECRET_KEY: existing.DATA_SECRET_KEY || randomBytes(32).toString("base64url"),
    LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
    // The superuser the migrations ran as: the admin CLI creates, moves and drops tenants' schemas and databases with
    // it (production gives DATABASE_ADMIN_URL instead). The Worker never reads it.
    LOCAL_DATABASE_ADMIN_URL: cloud.pg.adminUrl,
    LOCAL_NEON_WS_PROXY: cloud.neonWsProxy,
    // Browsers on this machine (the Inspector's direct mode, a local web app) may call the local Worker; a deployed
    // Worker keeps the wrangler.toml default (off) and serves only the origins ALLOWED_ORIGINS names.
    ALLOW_LOCALHOST_ORIGINS: "true",
  };
  const body = Object.entries(vars)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join("\n");
  await writeFile(path, `# Written by the local cloud (local-cloud); local development only.\n${body}\n`, {
    mode: 0o600,
  });
  return vars;
}

/** Reads a dotenv file into an object; a missing file is empty. */
export async function readDotenv(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const raw = m[2] ?? "";
    out[m[1] as string] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return out;
}
