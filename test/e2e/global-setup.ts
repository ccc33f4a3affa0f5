import type { TestProject } from "vitest/node";
import { connectionEnv } from "../../scripts/admin/connect.ts";
import { startLocalStack } from "../../scripts/lib/local-stack.ts";
import type { E2eContext } from "./support/context.ts";

/**
 * Starts the whole stack for real clients: the local cloud over its own fresh database and `wrangler dev` (workerd,
 * real HTTP on 127.0.0.1), as `npm run dev` runs it but on ports of its own. The database is the test database's
 * name plus `_e2e`, so the worker project's setup (which drops its own database) and this one never collide; Redis is
 * shared and not flushed (every key names its tenant, and tenants here are new).
 *
 * Environment: E2E_DATABASE_URL, E2E_REDIS_URL (default: TEST_REDIS_URL), E2E_PORT (default: a free port).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const testDb = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_test";
  const databaseUrl = process.env.E2E_DATABASE_URL ?? withSuffix(testDb, "_e2e");
  const redisUrl = process.env.E2E_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";
  const stack = await startLocalStack({
    databaseUrl,
    redisUrl,
    freshDatabase: true,
    port: process.env.E2E_PORT ? Number(process.env.E2E_PORT) : undefined,
    log: (m) => process.stderr.write(`[e2e] ${m}\n`),
  });
  const context: E2eContext = {
    mcpUrl: stack.mcpUrl,
    adminDatabaseUrl: stack.adminDatabaseUrl,
    connection: stack.connection,
    adminCliEnv: connectionEnv(stack.connection),
  };
  project.provide("e2e", context);
  return () => stack.close();
}

function withSuffix(databaseUrl: string, suffix: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `${url.pathname}${suffix}`;
  return url.toString();
}
