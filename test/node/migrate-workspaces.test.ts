// sql/006 on a database that already holds workspaces written before it: names that break the new rules are brought
// within them (so the constraints hold for every row), and nothing else changes.
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { migrate } from "../../scripts/migrate.ts";
import { DEFAULT_SQL_DIR } from "../../scripts/migrate/run.ts";
import { requireServers } from "../support/servers.ts";

const SERVER_URL = process.env.TEST_PG_SERVER_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `tmcp_migrate_ws_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
const url = Object.assign(new URL(SERVER_URL), { pathname: `/${name}` }).toString();
let dir: string | undefined;

afterAll(async () => {
  if (!dir) return; // skipped: no server, nothing created
  const server = new pg.Client({ connectionString: SERVER_URL });
  await server.connect();
  await server.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await server.end();
  await rm(dir, { recursive: true, force: true });
});

it("006 normalises earlier names: control characters, padding, overlong, empty, duplicates ignoring case", {
  timeout: 60_000,
}, async (ctx) => {
  await requireServers(ctx, { postgres: SERVER_URL });
  dir = await mkdtemp(join(tmpdir(), "tmcp-migrate-ws-"));
  const files = (await readdir(DEFAULT_SQL_DIR)).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
  const upTo = (n: number): Promise<void[]> =>
    Promise.all(
      files
        .filter((f) => Number(f.slice(0, 3)) <= n)
        .map((f) => copyFile(join(DEFAULT_SQL_DIR, f), join(dir as string, f))),
    );
  await upTo(5);
  await migrate({ databaseUrl: url, dir });

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t1 = "d0000000-0000-4000-8000-000000000001";
    const t2 = "d0000000-0000-4000-8000-000000000002";
    await client.query(
      "insert into public.tenants (id, slug, name, plan) values ($1, 'mig-one', 'One', 'free'), ($2, 'mig-two', 'Two', 'free')",
      [t1, t2],
    );
    const before: [string, string, string][] = [
      [t1, "a0000000-0000-4000-8001-000000000001", "Research"],
      [t1, "a0000000-0000-4000-8001-000000000002", "research"],
      [t1, "a0000000-0000-4000-8001-000000000003", "  Two\nlines\u202E "],
      [t1, "a0000000-0000-4000-8001-000000000004", "x".repeat(150)],
      [t1, "a0000000-0000-4000-8001-000000000005", "   "],
      [t2, "a0000000-0000-4000-8001-000000000006", "Research"],
    ];
    for (const [tenant, id, n] of before) {
      await client.query(
        "insert into public.workspaces (tenant_id, id, name, created_at) values ($1, $2, $3, now() + $4 * interval '1 second')",
        [tenant, id, n, Number(id.slice(-1))],
      );
    }

    await upTo(6);
    expect((await migrate({ databaseUrl: url, dir })).applied).toEqual(["006_workspace_management"]);

    const { rows } = await client.query<{ id: string; name: string }>(
      "select id::text, name from public.workspaces order by id",
    );
    expect(rows.map((r) => r.name)).toEqual([
      "Research",
      "research (a0000000)",
      "Two lines",
      "x".repeat(100),
      "Workspace",
      "Research",
    ]);
    // Every row passes the constraint (it was added as VALID), and a new duplicate is refused.
    const { rows: check } = await client.query(
      "select convalidated from pg_constraint where conname = 'workspaces_name_check'",
    );
    expect(check).toEqual([{ convalidated: true }]);
    await expect(
      client.query("insert into public.workspaces (tenant_id, name) values ($1, 'RESEARCH')", [t2]),
    ).rejects.toMatchObject({ code: "23505" });
  } finally {
    await client.end();
  }
});
