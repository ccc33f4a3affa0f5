import { rm } from "node:fs/promises";
import type { TestProject } from "vitest/node";
import { connectionEnv } from "../../scripts/admin/connect.ts";
import { startLocalStack } from "../../scripts/lib/local-stack.ts";
import { freePort } from "../../scripts/lib/wrangler-dev.ts";
import type { E2eContext } from "./support/context.ts";
import { makeLocalTls } from "./support/local-tls.ts";

/**
 * Starts the whole stack for real clients: the local cloud over its own fresh database and `wrangler dev` (workerd,
 * real HTTP on 127.0.0.1), as `npm run dev` runs it but on ports of its own. The database is the test database's
 * name plus `_e2e`, so the worker project's setup (which drops its own database) and this one never collide; Redis is
 * shared and not flushed (every key names its tenant, and tenants here are new).
 *
 * OAuth is on for the origin the Worker listens on (PUBLIC_BASE_URL), and `wrangler dev` trusts a throwaway local
 * certificate authority (NODE_EXTRA_CA_CERTS), so the tests can serve Client ID Metadata Documents over HTTPS on
 * 127.0.0.1 with its certificate (support/local-tls.ts).
 *
 * Environment: E2E_DATABASE_URL, E2E_REDIS_URL (default: TEST_REDIS_URL), E2E_PORT (default: a free port).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const testDb = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_test";
  const databaseUrl = process.env.E2E_DATABASE_URL ?? withSuffix(testDb, "_e2e");
  const redisUrl = process.env.E2E_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";
  // The port is chosen here because the Worker's public origin names it.
  const port = process.env.E2E_PORT ? Number(process.env.E2E_PORT) : await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const tls = await makeLocalTls();
  const stack = await startLocalStack({
    databaseUrl,
    redisUrl,
    freshDatabase: true,
    port,
    vars: { PUBLIC_BASE_URL: origin },
    processEnv: { NODE_EXTRA_CA_CERTS: tls.caFile },
    log: (m) => process.stderr.write(`[e2e] ${m}\n`),
  });
  const context: E2eContext = {
    mcpUrl: stack.mcpUrl,
    origin,
    tls: { cert: tls.cert, key: tls.key },
    adminDatabaseUrl: stack.adminDatabaseUrl,
    connection: stack.connection,
    adminCliEnv: connectionEnv(stack.connection),
  };
  project.provide("e2e", context);
  return async () => {
    await stack.close();
    await rm(tls.dir, { recursive: true, force: true });
  };
}

function withSuffix(databaseUrl: string, suffix: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `${url.pathname}${suffix}`;
  return url.toString();
}
