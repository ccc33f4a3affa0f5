import type { Connection } from "../../../scripts/admin/connect.ts";

/** What the e2e setup hands to the tests (`inject("e2e")`): where the running Worker is, and how to add tenants. */
export interface E2eContext {
  /** The Worker's MCP endpoint under `wrangler dev`, e.g. `http://127.0.0.1:8790/mcp`. */
  mcpUrl: string;
  /** Superuser URL of the e2e database, for test data beyond tenants and keys. */
  adminDatabaseUrl: string;
  /** Where the control plane manages this stack's tenants and keys (`connect` it), as the admin CLI would. */
  connection: Connection;
  /** The environment `npm run admin` needs to manage this stack's tenants as in production (owner login, Redis, pepper). */
  adminCliEnv: Record<string, string>;
}

declare module "vitest" {
  interface ProvidedContext {
    e2e: E2eContext;
  }
}
