// `npm run migrate` reaches every data location: the main database's public schema, each schema-tier tenant's schema
// and each database-tier tenant's own database; one failing location does not stop the others, and a re-run finishes
// it. Each test works on a fresh main database of its own (and the tenant databases it makes), dropped afterwards.
import { writeFile } from "node:fs/promises";
import { afterAll, describe, expect, inject, it } from "vitest";
import { DataMigrationError, migrate } from "../../scripts/migrate.ts";
import { createTenantOn } from "../../scripts/tenant-data/provision.ts";
import { requireServers } from "../support/servers.ts";
import { DATA_KEY, Scratch, query, tierDeps } from "./tier-support.ts";

const cloud = inject("cloud");
const scratch = new Scratch();
afterAll(() => scratch.cleanup());

const input = (slug: string) => ({ slug, name: slug, plan: "free" });

/** The columns of `table` in `schema`, in the database at `url`. */
async function columns(url: string, schema: string, table: string): Promise<string[]> {
  const rows = await query<{ c: string }>(
    url,
    "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY 1",
    [schema, table],
  );
  return rows.map((r) => r.c);
}

describe("migrate: tenant-table migrations", { timeout: 120_000 }, () => {
  it("reach public, every tenant schema and every tenant database; a failing one is reported and resumed", async (ctx) => {
    await requireServers(ctx, { postgres: cloud.serverUrls.postgres });
    const mainUrl = scratch.databaseUrl("main");
    const dedicatedUrl = scratch.databaseUrl("ded");
    const dir = await scratch.sqlDir();
    await migrate({ databaseUrl: mainUrl, dir, dataSecretKey: DATA_KEY });

    const { deps, admin } = tierDeps(cloud, mainUrl, dir);
    await createTenantOn(deps, admin, input("shared-one"), { isolation: "shared" });
    const onSchema = await createTenantOn(deps, admin, input("schema-one"), { isolation: "schema" });
    const dedicatedApp = new URL(dedicatedUrl);
    dedicatedApp.username = "tenant_mcp_app";
    await createTenantOn(deps, admin, input("db-one"), { isolation: "database", databaseUrl: dedicatedApp.toString() });
    const schema = onSchema.tenant.dataSchema as string;
    expect(schema).toMatch(/^tenant_[0-9a-f]{32}$/);

    // A new migration: every location gets it, each once.
    await writeFile(
      `${dir}/data/003_workspace_note.sql`,
      "SET LOCAL ROLE tenant_mcp_owner;\nALTER TABLE workspaces ADD COLUMN note text;\n",
    );
    const lines: string[] = [];
    const second = await migrate({ databaseUrl: mainUrl, dir, dataSecretKey: DATA_KEY, log: (m) => lines.push(m) });
    expect(second.data.map((d) => [d.target.split(" ")[0], d.applied, d.error])).toEqual([
      ["public", ["003_workspace_note"], undefined],
      ["db-one", ["003_workspace_note"], undefined],
      ["schema-one", ["003_workspace_note"], undefined],
    ]);
    expect(lines.filter((l) => l.startsWith("data ")).length).toBeGreaterThanOrEqual(3);
    expect(lines).toContain("data: 3 target(s): 3 migrated, 0 up to date, 0 failed");
    expect(await columns(mainUrl, "public", "workspaces")).toContain("note");
    expect(await columns(mainUrl, schema, "workspaces")).toContain("note");
    expect(await columns(dedicatedUrl, "public", "workspaces")).toContain("note");
    // Each location keeps its own history.
    expect(await columns(mainUrl, schema, "data_migrations")).toContain("checksum");

    // One location fails (something in the way in the tenant's schema); the others still migrate.
    await query(mainUrl, `CREATE TABLE ${schema}.labels (id int)`);
    await writeFile(
      `${dir}/data/004_labels.sql`,
      "SET LOCAL ROLE tenant_mcp_owner;\nCREATE TABLE labels (tenant_id uuid NOT NULL, name text NOT NULL);\n",
    );
    const failing = await migrate({ databaseUrl: mainUrl, dir, dataSecretKey: DATA_KEY }).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(DataMigrationError);
    const outcome = (failing as DataMigrationError).result.data;
    expect(outcome.find((d) => d.target.startsWith("schema-one"))?.error).toMatch(/004_labels\.sql.*42P07/);
    expect(outcome.find((d) => d.target === "public")?.applied).toEqual(["004_labels"]);
    expect(outcome.find((d) => d.target.startsWith("db-one"))?.applied).toEqual(["004_labels"]);
    expect(await columns(dedicatedUrl, "public", "labels")).toEqual(["name", "tenant_id"]);

    // Put right, a re-run finishes that one and leaves the others alone.
    await query(mainUrl, `DROP TABLE ${schema}.labels`);
    const third = await migrate({ databaseUrl: mainUrl, dir, dataSecretKey: DATA_KEY });
    expect(third.data.map((d) => [d.target.split(" ")[0], d.applied])).toEqual([
      ["public", []],
      ["db-one", []],
      ["schema-one", ["004_labels"]],
    ]);
    expect(await columns(mainUrl, schema, "labels")).toEqual(["name", "tenant_id"]);
  });

  it("reports a tenant database it cannot open without stopping the rest, and records 001 as applied in public", async (ctx) => {
    await requireServers(ctx, { postgres: cloud.serverUrls.postgres });
    const mainUrl = scratch.databaseUrl("main");
    const dir = await scratch.sqlDir();
    await migrate({ databaseUrl: mainUrl, dir, dataSecretKey: DATA_KEY });
    const history = await query<{ name: string }>(mainUrl, "SELECT name FROM public.data_migrations ORDER BY version");
    expect(history.map((h) => h.name)).toEqual(["001_tenant_tables", "002_idempotency_keys"]);

    const { deps, admin } = tierDeps(cloud, mainUrl, dir);
    const dedicated = scratch.databaseUrl("ded", "tenant_mcp_app");
    await createTenantOn(deps, admin, input("db-two"), { isolation: "database", databaseUrl: dedicated });
    await createTenantOn(deps, admin, input("schema-two"), { isolation: "schema" });
    // Without the key the tenant database cannot be opened: reported, and the schema still migrates.
    const failing = await migrate({ databaseUrl: mainUrl, dir }).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(DataMigrationError);
    const data = (failing as DataMigrationError).result.data;
    expect(data.find((d) => d.target.startsWith("db-two"))?.error).toMatch(/DATA_SECRET_KEY is not set/);
    expect(data.find((d) => d.target.startsWith("schema-two"))?.error).toBeUndefined();
  });
});
