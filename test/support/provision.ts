// Node only: serves the local stack's provisioning (scripts/lib/tenant-location.ts) to the tests inside workerd over a
// loopback HTTP endpoint (workerd can neither read sql/ nor hold a session-level Postgres connection). The worker
// fixtures (test/worker/support/tiers.ts) and the resilience tests call it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { provisionTenant, type ProvisionTarget } from "../../scripts/lib/tenant-location.ts";

export { dropDedicatedDatabases } from "../../scripts/lib/tenant-location.ts";

/**
 * Serves {@link provisionTenant} at `POST <url>` with `{"tenantId": ..., "isolation": "schema"|"database"}` on a free
 * loopback port, for the tests inside workerd. Resolves to its URL and its close.
 */
export async function serveProvisioning(target: ProvisionTarget): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        try {
          const { tenantId, isolation } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            tenantId: string;
            isolation: "schema" | "database";
          };
          if (isolation !== "schema" && isolation !== "database") throw new Error("isolation: schema or database");
          const location = await provisionTenant(target, tenantId, isolation);
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(location));
        } catch (err) {
          res.writeHead(500, { "content-type": "text/plain" }).end((err as Error).message);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/provision`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
