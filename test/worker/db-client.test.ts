// The Worker's database client is built once per isolate: every request (of every tenant) shares one Neon query
// function, and the driver's global settings are written when the driver loads or the settings change, not again on
// each request. The driver module itself loads on the first query, not at start-up.
import { neonConfig } from "@neondatabase/serverless";
import { describe, expect, inject, it } from "vitest";
import { createSql } from "../../src/db/client.ts";
import { forTenant } from "../../src/db/for-tenant.ts";

const cloud = inject("cloud");
const env = {
  DATABASE_URL: cloud.appDatabaseUrl,
  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
  LOCAL_NEON_WS_PROXY: "",
};

describe("createSql", () => {
  it("returns the same client for every request of an isolate and leaves the driver's settings alone after", async () => {
    const first = createSql(env, 4321);
    // The first query loads the driver and writes the settings.
    expect(await first.query("select 1 as one")).toEqual([{ one: 1 }]);
    const installed = neonConfig.fetchFunction;
    expect(installed).toBeTypeOf("function");
    // Stands in for anything else in the isolate that set the global since: a per-request reassignment would undo it.
    const sentinel = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => fetch(input, init);
    neonConfig.fetchFunction = sentinel;
    try {
      for (let i = 0; i < 3; i++) expect(createSql(env, 4321)).toBe(first);
      expect(neonConfig.fetchFunction).toBe(sentinel);
    } finally {
      neonConfig.fetchFunction = installed;
    }
  });

  it("configures the driver again when the settings differ (another env in the same isolate)", () => {
    const first = createSql(env, 4321);
    const other = createSql(env, 1234);
    expect(other).not.toBe(first);
    expect(createSql(env, 1234)).toBe(other);
  });

  it("runs a transaction of its own queries in one request, in order, and fails a bad statement with its SQLSTATE", async () => {
    const sql = createSql(env, 10_000);
    const results = await sql.transaction([
      sql.query("select set_config('app.probe', $1, true) as v", ["x"]),
      sql.query("select current_setting('app.probe') as v"),
    ]);
    // The second statement sees the first's transaction-local setting: both ran in one transaction.
    expect(results).toEqual([[{ v: "x" }], [{ v: "x" }]]);
    await expect(sql.query("select * from no_such_table_here")).rejects.toMatchObject({ code: "42P01" });
  });

  it("serves a tenant's queries through forTenant over the shared client", async () => {
    const sql = createSql(env, 10_000);
    const tenantId = crypto.randomUUID();
    const rows = await forTenant({ sql }, tenantId).query<{ t: string }>(
      "select current_setting('app.tenant_id') as t",
      [],
      { readOnly: true },
    );
    expect(rows).toEqual([{ t: tenantId }]);
  });
});
