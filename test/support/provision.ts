// Node only: serves the operator's tenant creation on any isolation tier (createTenantOn, scripts/tenant-data/) to the
// tests inside workerd over a loopback HTTP endpoint: workerd can neither read sql/ nor hold the session-level
// Postgres connections provisioning needs. The worker fixtures (test/worker/support/tiers.ts) and the resilience tests
// create their schema-tier and database-tier tenants through it, as `tenant create --isolation` does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { neonConfig } from "@neondatabase/serverless";
import type { ReadyInfo } from "../../local-cloud/ready.ts";
import { connect, localCloudConnection } from "../../scripts/admin/connect.ts";
import { tenantSchemaName } from "../../scripts/tenant-data/data-files.ts";
import { databaseUrls } from "../../scripts/tenant-data/location.ts";
import { createTenantOn } from "../../scripts/tenant-data/provision.ts";
import type { CreateTenantInput } from "../../src/control/tenants.ts";

/** What the endpoint answers: the tenant made, its first key, and where its data is. */
export interface ProvisionedTenant {
  id: string;
  apiKey: string;
  keyId: string;
  /** `schema`: the tenant's schema. */
  schema?: string;
  /** `database`: the name of the tenant's own database. */
  database?: string;
}

// The Neon driver's endpoint is a process global, and each test project's setup runs a cloud of its own in this one
// process: every provisioning call points the driver at its own cloud and runs alone, so no call reaches another's.
let queue: Promise<unknown> = Promise.resolve();
function alone<T>(endpoint: string, task: () => Promise<T>): Promise<T> {
  const run = queue.then(() => {
    neonConfig.fetchEndpoint = endpoint;
    return task();
  });
  queue = run.catch(() => {});
  return run;
}

/**
 * Serves `POST <url>` with `{"input": <CreateTenantInput>, "isolation": "schema"|"database"}` on a free loopback port:
 * creates the tenant there with the local cloud's superuser as the data admin and the Worker's secrets. Resolves to
 * its URL and its close.
 */
export async function serveProvisioning(o: {
  ready: ReadyInfo;
  pepper: string;
  loginSecretKey: string;
  dataSecretKey: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const deps = connect(
    localCloudConnection(o.ready, {
      API_KEY_PEPPER: o.pepper,
      LOGIN_SECRET_KEY: o.loginSecretKey,
      DATA_SECRET_KEY: o.dataSecretKey,
    }),
  );
  const admin = { adminDatabaseUrl: o.ready.adminDatabaseUrl, dataSecretKey: o.dataSecretKey };
  const provision = async (body: string): Promise<ProvisionedTenant> => {
    const { input, isolation } = JSON.parse(body) as { input: CreateTenantInput; isolation: "schema" | "database" };
    if (isolation !== "schema" && isolation !== "database") throw new Error("isolation: schema or database");
    const created = await alone(o.ready.neonHttpEndpoint, () => createTenantOn(deps, admin, input, { isolation }));
    const id = created.tenant.id;
    if (isolation === "schema")
      return { id, apiKey: created.apiKey, keyId: created.keyId, schema: tenantSchemaName(id) };
    const { dataUrl } = databaseUrls(admin, id, { isolation });
    const database = decodeURIComponent(new URL(dataUrl).pathname.slice(1));
    return { id, apiKey: created.apiKey, keyId: created.keyId, database };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      provision(Buffer.concat(chunks).toString("utf8")).then(
        (made) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(made)),
        (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end((err as Error).message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tenants`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
