import type { Connection } from "../../../scripts/admin/connect.ts";

/** What the e2e setup hands to the tests (`inject("e2e")`): where the running Worker is, and how to add tenants. */
export interface E2eContext {
  /** The Worker's MCP endpoint under `wrangler dev`, e.g. `http://127.0.0.1:8790/mcp`. */
  mcpUrl: string;
  /** The Worker's origin, also its PUBLIC_BASE_URL: the OAuth issuer, and `<origin>/mcp` the resource. */
  origin: string;
  /** A certificate for 127.0.0.1 (PEM) that the Worker trusts: for HTTPS servers the Worker must fetch from. */
  tls: { cert: string; key: string };
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
