import { neon, neonConfig } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis";
import { readDotenv } from "../../local-cloud/dev-vars.ts";
import type { ReadyInfo } from "../../local-cloud/ready.ts";
import { AdminError } from "./admin-error.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import { createShards, shardEndpoints, type ShardEndpoint } from "../../src/redis/shards.ts";
import { wranglerGrantStorage } from "./grant-storage.ts";

/** The role every admin transaction runs as (see src/control/owner-sql.ts); locally also the login. */
const OWNER_ROLE = "tenant_mcp_owner";

/** Where the CLI connects, and where that came from (for messages). */
export interface Connection {
  databaseUrl: string;
  /** The first (or only) Upstash database. */
  redisUrl: string;
  redisToken: string;
  /** Every Upstash database (shard) in order, the first being `redisUrl`: `UPSTASH_SHARDS`, or that one alone. */
  redisShards: ShardEndpoint[];
  /** Empty when the CLI only reads. */
  pepper: string;
  /** The Worker's LOGIN_SECRET_KEY; empty unless a command seals a tenant's client secret. */
  loginSecretKey: string;
  /** The local cloud's Neon HTTP endpoint; absent in production, where the driver derives it from the URL. */
  neonHttpEndpoint: string | undefined;
  /**
   * The main database's admin login over TCP, for the commands that create, move or drop tenants' schemas and
   * databases: `DATABASE_ADMIN_URL` in production, the local cloud's superuser locally. Undefined: those commands refuse.
   */
  adminDatabaseUrl: string | undefined;
  /** The Worker's DATA_SECRET_KEY (seals dedicated databases' connection strings); empty when not given. */
  dataSecretKey: string;
  source: string;
}

/**
 * Production (or any explicit target): `DATABASE_URL` in the environment, an owner or admin login, with
 * `UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`, `API_KEY_PEPPER` and `LOGIN_SECRET_KEY` as the Worker has them, plus
 * `LOCAL_NEON_HTTP_ENDPOINT` when the database is behind a local cloud, and for the isolation tiers
 * `DATABASE_ADMIN_URL` (the main database's admin login over TCP) and `DATA_SECRET_KEY`. Otherwise the local dev stack: the
 * `.dev.vars` that `npm run dev` / `npm run cloud` wrote, whose DATABASE_URL names the Worker's role; the CLI logs
 * in as the owner role instead.
 */
export async function resolveConnection(env: NodeJS.ProcessEnv, devVarsPath: string): Promise<Connection> {
  if (env.DATABASE_URL) {
    const missing = env.UPSTASH_SHARDS
      ? []
      : ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"].filter((name) => !env[name]);
    if (missing.length)
      throw new AdminError(`DATABASE_URL is set, so ${missing.join(" and ")} must be set too (or UPSTASH_SHARDS)`);
    const shards = endpointsOf(env);
    return {
      databaseUrl: env.DATABASE_URL,
      redisUrl: shards[0]?.url as string,
      redisToken: shards[0]?.token as string,
      redisShards: shards,
      pepper: env.API_KEY_PEPPER ?? "",
      loginSecretKey: env.LOGIN_SECRET_KEY ?? "",
      neonHttpEndpoint: env.LOCAL_NEON_HTTP_ENDPOINT || undefined,
      adminDatabaseUrl: env.DATABASE_ADMIN_URL || undefined,
      dataSecretKey: env.DATA_SECRET_KEY ?? "",
      source: "environment",
    };
  }
  const vars = await readDotenv(devVarsPath);
  if (!vars.DATABASE_URL || !vars.UPSTASH_REDIS_REST_URL || !vars.UPSTASH_REDIS_REST_TOKEN) {
    throw new AdminError(
      `no DATABASE_URL in the environment and no local stack in ${devVarsPath}: start it with \`npm run dev\` ` +
        "(or `npm run cloud`), or set DATABASE_URL, UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN and API_KEY_PEPPER",
    );
  }
  return {
    databaseUrl: asOwner(vars.DATABASE_URL),
    redisUrl: vars.UPSTASH_REDIS_REST_URL,
    redisToken: vars.UPSTASH_REDIS_REST_TOKEN,
    redisShards: endpointsOf(vars),
    pepper: vars.API_KEY_PEPPER ?? "",
    loginSecretKey: vars.LOGIN_SECRET_KEY ?? "",
    neonHttpEndpoint: vars.LOCAL_NEON_HTTP_ENDPOINT || undefined,
    adminDatabaseUrl: vars.LOCAL_DATABASE_ADMIN_URL || undefined,
    dataSecretKey: vars.DATA_SECRET_KEY ?? "",
    source: devVarsPath,
  };
}

/** The endpoints of a running local cloud that the control plane talks to. */
type LocalCloudEndpoints = Pick<ReadyInfo, "adminDatabaseUrl" | "neonHttpEndpoint" | "upstashUrl" | "upstashToken"> &
  Partial<Pick<ReadyInfo, "upstashShards">>;

/**
 * Where the CLI would connect to manage a local cloud's tenants: the owner login through the cloud's Neon HTTP
 * endpoint, its Upstash endpoint, and the Worker's secrets from the variables the cloud wrote for it (`workerVars`:
 * API_KEY_PEPPER, LOGIN_SECRET_KEY). The dev stack, the e2e tests, conformance and the bench make their tenants and
 * keys through it, as an operator would.
 */
export function localCloudConnection(
  cloud: LocalCloudEndpoints,
  workerVars: Record<string, string | undefined>,
): Connection {
  return {
    databaseUrl: asOwner(cloud.adminDatabaseUrl),
    redisUrl: cloud.upstashUrl,
    redisToken: cloud.upstashToken,
    redisShards: cloud.upstashShards ?? [{ url: cloud.upstashUrl, token: cloud.upstashToken }],
    pepper: workerVars.API_KEY_PEPPER ?? "",
    loginSecretKey: workerVars.LOGIN_SECRET_KEY ?? "",
    neonHttpEndpoint: cloud.neonHttpEndpoint,
    adminDatabaseUrl: cloud.adminDatabaseUrl,
    dataSecretKey: workerVars.DATA_SECRET_KEY ?? "",
    source: `the local cloud at ${cloud.neonHttpEndpoint}`,
  };
}

/** The environment {@link resolveConnection} reads back as `c`: what `npm run admin` needs to manage the same place. */
export function connectionEnv(c: Connection): Record<string, string> {
  return {
    DATABASE_URL: c.databaseUrl,
    UPSTASH_REDIS_REST_URL: c.redisUrl,
    UPSTASH_REDIS_REST_TOKEN: c.redisToken,
    ...(c.redisShards.length > 1 ? { UPSTASH_SHARDS: JSON.stringify(c.redisShards) } : {}),
    API_KEY_PEPPER: c.pepper,
    ...(c.loginSecretKey ? { LOGIN_SECRET_KEY: c.loginSecretKey } : {}),
    ...(c.neonHttpEndpoint ? { LOCAL_NEON_HTTP_ENDPOINT: c.neonHttpEndpoint } : {}),
    ...(c.adminDatabaseUrl ? { DATABASE_ADMIN_URL: c.adminDatabaseUrl } : {}),
    ...(c.dataSecretKey ? { DATA_SECRET_KEY: c.dataSecretKey } : {}),
  };
}

/** The shard list of an environment or `.dev.vars` (src/redis/shards.ts), its errors as the CLI's. */
function endpointsOf(vars: Record<string, string | undefined>): ShardEndpoint[] {
  try {
    return shardEndpoints(vars);
  } catch (err) {
    throw new AdminError((err as Error).message);
  }
}

/** `url` with the owner role as its login, no password (the local cloud trusts local logins). */
function asOwner(url: string): string {
  const owner = new URL(url);
  owner.username = OWNER_ROLE;
  owner.password = "";
  return owner.toString();
}

/** The Worker's own client libraries, pointed at `c`. Nothing is contacted until a command runs. */
export function connect(c: Connection): AdminDeps {
  // The driver reads its endpoint from a global; this process talks to one database only.
  if (c.neonHttpEndpoint) neonConfig.fetchEndpoint = c.neonHttpEndpoint;
  return {
    sql: neon(c.databaseUrl),
    // One client per shard (src/redis/shards.ts routes each command). One quick retry, as in the Worker: an operator
    // should hear about a down Redis in a second, not after five.
    shards: createShards(
      c.redisShards,
      (e) =>
        new Redis({ url: e.url, token: e.token, retry: { retries: 1, backoff: () => 100 }, enableTelemetry: false }),
    ),
    redisEndpoints: c.redisShards,
    pepper: c.pepper,
    loginSecretKey: c.loginSecretKey,
    // The OAuth storage of the same stack: the deployed namespace with a production connection, else the local one.
    grants: wranglerGrantStorage(c.source === "environment" ? "remote" : "local"),
    ...(c.adminDatabaseUrl && c.dataSecretKey
      ? { dataAdmin: { adminDatabaseUrl: c.adminDatabaseUrl, dataSecretKey: c.dataSecretKey } }
      : {}),
  };
}
