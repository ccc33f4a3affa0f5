import type { TestProject } from "vitest/node";
import { spawnCloud } from "../local-cloud/child.ts";
import { startOidcProvider } from "../local-cloud/oidc.ts";
import type { CloudContext } from "./cloud-context.ts";
import { dropTenantDatabases } from "../scripts/lib/tenant-databases.ts";
import { serveProvisioning } from "./support/provision.ts";

/** Admin URL of the worker project's test database (dropped and re-created at every run). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_test";
/** Redis URL (with db number) of the worker project's tests (emptied at every run). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";

/** Where a test cloud keeps its data. */
export interface TestCloudTarget {
  databaseUrl: string;
  /** The first (or only) Upstash database's Redis. */
  redisUrl: string;
  /** Redis URLs of more Upstash databases (shards 1, 2, ...; `--redis-shards`). Default none. */
  shardRedisUrls?: string[];
}

/**
 * Global setup of the worker project: a cloud over {@link TEST_DATABASE_URL} and {@link TEST_REDIS_URL}, and a local
 * OpenID Connect provider (`inject("oidc")`) for the tests of tenant sign-in.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [stopCloud, stopOidc] = await Promise.all([
    startTestCloud(project, { databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL }),
    startTestOidc(project),
  ]);
  return async () => {
    await Promise.all([stopCloud(), stopOidc()]);
  };
}

/**
 * Starts the local OpenID Connect provider (local-cloud/oidc.ts, the one `npm run dev` runs) on a free port and
 * provides its issuer and users as `inject("oidc")`. In this process: it keeps everything in memory and needs no
 * database. Resolves to its teardown.
 */
export async function startTestOidc(project: TestProject): Promise<() => Promise<void>> {
  const oidc = await startOidcProvider();
  project.provide("oidc", {
    issuer: oidc.issuer,
    users: oidc.users.map((u) => ({
      sub: u.sub,
      email: u.email,
      password: u.password,
      emailVerified: u.emailVerified,
      ...(u.groups ? { groups: u.groups } : {}),
    })),
  });
  return () => oidc.close();
}

/**
 * Starts the local cloud (`local-cloud/main.ts`, the same program as `npm run cloud`) over a fresh, migrated test
 * database and an emptied Redis db, then provides its endpoints to the project's tests inside workerd as
 * `inject("cloud")`. It runs as a child process: plain Node, outside Vite's module graph, exactly as developers run
 * it. Resolves to the teardown that stops it.
 */
export async function startTestCloud(project: TestProject, target: TestCloudTarget): Promise<() => Promise<void>> {
  // The tenants' own databases of an earlier run (the main one is dropped by --fresh).
  await dropTenantDatabases(target.databaseUrl);
  const cloud = await spawnCloud([
    "--database-url",
    target.databaseUrl,
    "--redis-url",
    target.redisUrl,
    "--neon-port",
    "0",
    "--upstash-port",
    "0",
    ...(target.shardRedisUrls?.length
      ? [
          "--redis-shards",
          String(target.shardRedisUrls.length + 1),
          "--shard-redis-urls",
          target.shardRedisUrls.join(","),
        ]
      : []),
    "--fresh",
    "--dev-vars",
    "-",
  ]);
  const ready = cloud.ready;
  const as = (user: string): string => {
    const u = new URL(ready.adminDatabaseUrl);
    u.username = user;
    u.password = "";
    return u.toString();
  };
  // 32 bytes, base64url, as the Worker requires; not secret.
  const dataSecretKey = "dGVzdC1kYXRhLXNlY3JldC1rZXktbm90LXNlY3JldC0";
  const apiKeyPepper = "test-pepper-not-secret";
  const loginSecretKey = "dGVzdC1sb2dpbi1zZWNyZXQta2V5LW5vdC1zZWNyZXQ";
  const provisioning = await serveProvisioning({ ready, pepper: apiKeyPepper, loginSecretKey, dataSecretKey });
  const context: CloudContext = {
    ...ready,
    appDatabaseUrl: as("tenant_mcp_app"),
    ownerDatabaseUrl: as("tenant_mcp_owner"),
    apiKeyPepper,
    loginSecretKey,
    dataSecretKey,
    provisionUrl: provisioning.url,
    serverUrls: { postgres: target.databaseUrl, redis: target.redisUrl },
  };
  project.provide("cloud", context);
  return async () => {
    await provisioning.close();
    await cloud.stop();
    if (ready.engines.postgres === "server") await dropTenantDatabases(ready.adminDatabaseUrl);
  };
}
