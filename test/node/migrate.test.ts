import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { DataMigrationError, migrate } from "../../scripts/migrate.ts";
import { checksumOf, type SqlFile } from "../../scripts/migrate/files.ts";
import { planMigrations } from "../../scripts/migrate/plan.ts";
import { requireServers } from "../support/servers.ts";

// The local PostgreSQL server; every test works in databases of its own and drops them afterwards.
const SERVER_URL = process.env.TEST_PG_SERVER_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const created: string[] = [];
const tempDirs: string[] = [];

function freshDatabaseUrl(): string {
  const name = `tmcp_migrate_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  created.push(name);
  const u = new URL(SERVER_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Rows of a tenant table in public, per tenant slug (0 for a tenant without any). */
async function rowsPerTenant(url: string, table: "documents" | "workspaces"): Promise<Record<string, number>> {
  const rows = await query<{ slug: string; n: number }>(
    url,
    `SELECT t.slug, count(x.id)::int AS n FROM public.tenants t
       LEFT JOIN public.${table} x ON x.tenant_id = t.id GROUP BY t.slug`,
  );
  return Object.fromEntries(rows.map((r) => [r.slug, r.n]));
}

async function sqlDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tmcp-migrations-"));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

afterAll(async () => {
  for (const name of created) await query(SERVER_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

function file(version: number, sql: string): SqlFile {
  const name = `${String(version).padStart(3, "0")}_f`;
  return { version, name, path: `${name}.sql`, sql, checksum: checksumOf(sql) };
}

describe("planMigrations", () => {
  it("returns the files not yet applied, in order", () => {
    const files = [file(1, "a"), file(2, "b"), file(3, "c")];
    const applied = [{ version: 1, name: "001_f", checksum: checksumOf("a") }];
    expect(planMigrations(files, applied).map((f) => f.version)).toEqual([2, 3]);
  });

  it("refuses an applied file whose text changed", () => {
    const applied = [{ version: 1, name: "001_f", checksum: checksumOf("a") }];
    expect(() => planMigrations([file(1, "a changed")], applied)).toThrow(
      /001_f\.sql was changed after it was applied/,
    );
  });

  it("does not treat CRLF line endings as a change", () => {
    const applied = [{ version: 1, name: "001_f", checksum: checksumOf("x\ny\n") }];
    expect(planMigrations([file(1, "x\r\ny\r\n")], applied)).toEqual([]);
  });

  it("refuses a pending file numbered below an applied one", () => {
    const applied = [{ version: 2, name: "002_f", checksum: checksumOf("b") }];
    expect(() => planMigrations([file(1, "a"), file(2, "b")], applied)).toThrow(/renumber it above 2/);
  });

  it("warns about applied migrations that have no file", () => {
    const warnings: string[] = [];
    planMigrations([], [{ version: 7, name: "007_gone", checksum: "x" }], (m) => warnings.push(m));
    expect(warnings).toEqual(["applied migration 007_gone has no file here; ignoring it"]);
  });
});

describe("migrate", () => {
  it("creates the database, applies the repository's migrations once, and records them", async (ctx) => {
    await requireServers(ctx, { postgres: SERVER_URL });
    const url = freshDatabaseUrl();
    const expected = (await readdir(new URL("../../sql/", import.meta.url)))
      .filter((n) => /^\d{3,}_.*\.sql$/.test(n))
      .sort()
      .map((n) => n.replace(/\.sql$/, ""));
    expect(expected.length).toBeGreaterThan(0);

    const first = await migrate({ databaseUrl: url });
    expect(first.applied).toEqual(expected);
    const second = await migrate({ databaseUrl: url, seed: true });
    expect(second.applied).toEqual([]);
    expect(second.seeded).toEqual(["001_demo"]);
    const third = await migrate({ databaseUrl: url, seed: true });
    expect(third.seeded).toEqual(["001_demo"]);

    const rows = await query<{ name: string; checksum: string }>(
      url,
      "SELECT name, checksum FROM public.schema_migrations ORDER BY version",
    );
    expect(rows.map((r) => r.name)).toEqual(expected);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    expect(await rowsPerTenant(url, "documents")).toEqual({ acme: 5, globex: 5, initech: 5 });

    // A demo tenant whose data moved off the shared tier (npm run dev moves globex and acme): re-seeding must not put
    // a stale copy of its rows back into public.
    await query(
      url,
      `UPDATE public.tenants SET isolation = 'schema', data_schema = 'tenant_' || replace(id::text, '-', '')
        WHERE slug = 'globex';
       DELETE FROM public.documents WHERE tenant_id = (SELECT id FROM public.tenants WHERE slug = 'globex');
       DELETE FROM public.workspaces WHERE tenant_id = (SELECT id FROM public.tenants WHERE slug = 'globex')`,
    );
    // Its schema is missing (nothing created it here): that target fails, and the seed still runs on the same client.
    const failed = await migrate({ databaseUrl: url, seed: true }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DataMigrationError);
    expect((failed as DataMigrationError).result.seeded).toEqual(["001_demo"]);
    await query(url, "CREATE SCHEMA tenant_b0000000000040008000000000000002 AUTHORIZATION tenant_mcp_owner");
    expect((await migrate({ databaseUrl: url, seed: true })).data.every((d) => d.error === undefined)).toBe(true);
    expect(await rowsPerTenant(url, "workspaces")).toEqual({ acme: 2, globex: 0, initech: 2 });
  });

  it("lets exactly one of two concurrent runners apply each migration", async (ctx) => {
    await requireServers(ctx, { postgres: SERVER_URL });
    const url = freshDatabaseUrl();
    const [a, b] = await Promise.all([migrate({ databaseUrl: url }), migrate({ databaseUrl: url })]);
    const all = [...a.applied, ...b.applied].sort();
    expect(new Set(all).size).toBe(all.length);
    expect(Math.min(a.applied.length, b.applied.length)).toBe(0);
    const rows = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM public.schema_migrations");
    expect(rows[0]?.n).toBe(all.length);
  });

  it("refuses to run when an applied file was edited, and applies nothing", async (ctx) => {
    await requireServers(ctx, { postgres: SERVER_URL });
    const url = freshDatabaseUrl();
    const dir = await sqlDir({ "001_one.sql": "CREATE TABLE one (id int);" });
    await migrate({ databaseUrl: url, dir });
    await writeFile(join(dir, "001_one.sql"), "CREATE TABLE one (id bigint);");
    await writeFile(join(dir, "002_two.sql"), "CREATE TABLE two (id int);");
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow(/001_one\.sql was changed after it was applied/);
    const rows = await query(url, "SELECT 1 FROM pg_catalog.pg_class WHERE relname = 'two'");
    expect(rows).toHaveLength(0);
  });

  it("rolls a failing file back whole and names its line", async (ctx) => {
    await requireServers(ctx, { postgres: SERVER_URL });
    const url = freshDatabaseUrl();
    const dir = await sqlDir({
      "001_ok.sql": "CREATE TABLE ok (id int);",
      "002_bad.sql": "CREATE TABLE half (id int);\n\nSELECT no_such_column FROM ok;\n",
    });
    await expect(migrate({ databaseUrl: url, dir })).rejects.toThrow(
      /^002_bad\.sql:3:8: 42703 column "no_such_column"/,
    );
    const tables = await query<{ relname: string }>(
      url,
      "SELECT relname FROM pg_catalog.pg_class WHERE relname IN ('ok', 'half') ORDER BY relname",
    );
    expect(tables.map((t) => t.relname)).toEqual(["ok"]);
    const history = await query<{ name: string }>(url, "SELECT name FROM public.schema_migrations");
    expect(history.map((h) => h.name)).toEqual(["001_ok"]);
  });

  it("rejects a .sql file that is not named NNN_name.sql before touching the database", async () => {
    const dir = await sqlDir({ "1_short.sql": "SELECT 1;" });
    // An unreachable URL proves the files are checked first.
    await expect(migrate({ databaseUrl: "postgres://postgres@127.0.0.1:1/x", dir })).rejects.toThrow(
      /named NNN_lower_snake_case\.sql/,
    );
  });
});
