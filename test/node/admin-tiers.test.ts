// The admin CLI on each isolation tier, through its entry point against the test cloud: `tenant create --isolation`
// prepares the schema or database and never prints a connection string, a failure leaves nothing behind, `tenant
// list/show` say the tier, the workspace commands work where the tenant's data is, and `tenant delete` drops it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";
import { openData } from "../../scripts/tenant-data/locations.ts";
import { cloudLacks } from "../support/servers.ts";
import { databaseExists, query, Scratch } from "./tier-support.ts";

const cloud = inject("cloud");
const scratch = new Scratch();
const admin = new pg.Client({ connectionString: cloud.adminDatabaseUrl });
beforeAll(() => admin.connect());
afterAll(async () => {
  await admin.end();
  await scratch.cleanup();
});

const ENV = {
  DATABASE_URL: cloud.ownerDatabaseUrl,
  UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
  API_KEY_PEPPER: cloud.apiKeyPepper,
  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
  DATABASE_ADMIN_URL: cloud.adminDatabaseUrl,
  DATA_SECRET_KEY: cloud.dataSecretKey,
};

async function cli(args: string[], env: Record<string, string> = ENV) {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(args, { env, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await cli([...args, "--json"]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Tenant schemas and databases are made on the PostgreSQL server (the embedded engine serves one database). */
function needServer(ctx: { skip(note: string): void }): void {
  const note = cloudLacks(cloud, "postgres");
  if (note) ctx.skip(note);
}

const slug = (p: string): string => `${p}-${crypto.randomUUID().slice(0, 8)}`;
type Made = {
  tenant: { id: string; slug: string; isolation: string; dataSchema: string | null };
  workspace: { id: string };
};

/** The Worker's view: its login, entering the tenant as the Worker does, reading the workspaces. */
async function workerReads(url: string, tenantId: string, schema: string | null): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT public.enter_tenant($1, $2, false)", [tenantId, schema]);
    const { rows } = await client.query<{ name: string }>("SELECT name FROM workspaces ORDER BY name");
    await client.query("COMMIT");
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

const asApp = (url: string): string => {
  const u = new URL(url);
  u.username = "tenant_mcp_app";
  u.password = "";
  return u.toString();
};

const asSuperuser = (url: string): string => {
  const u = new URL(url);
  u.username = new URL(cloud.adminDatabaseUrl).username;
  return u.toString();
};

async function schemas(): Promise<string[]> {
  const { rows } = await admin.query<{ n: string }>(
    "SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1",
  );
  return rows.map((r) => r.n);
}

describe("tenant create --isolation", { timeout: 60_000 }, () => {
  it("schema: a schema of its own, owned by the owner role, the Worker may use it, the first workspace in it", async (ctx) => {
    needServer(ctx);
    const s = slug("sch");
    const made = await json<Made>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "S",
      "--plan",
      "free",
      "--isolation",
      "schema",
    ]);
    const schema = `tenant_${made.tenant.id.replace(/-/g, "")}`;
    expect(made.tenant).toMatchObject({ isolation: "schema", dataSchema: schema });
    const { rows } = await admin.query(
      `SELECT pg_get_userbyid(nspowner) AS owner, has_schema_privilege('tenant_mcp_app', nspname, 'USAGE') AS usage
         FROM pg_namespace WHERE nspname = $1`,
      [schema],
    );
    expect(rows).toEqual([{ owner: "tenant_mcp_owner", usage: true }]);
    expect((await admin.query("SELECT 1 FROM public.workspaces WHERE tenant_id = $1", [made.tenant.id])).rowCount).toBe(
      0,
    );
    expect(await workerReads(asApp(cloud.adminDatabaseUrl), made.tenant.id, schema)).toEqual(["Default"]);

    const shown = await cli(["tenant", "show", s]);
    expect(shown.stdout).toMatch(new RegExp(`isolation\\s+schema \\(${schema}\\)`));
    const listed = await json<{ tenants: { slug: string; isolation: string; dataSchema: string | null }[] }>([
      "tenant",
      "list",
    ]);
    expect(listed.tenants.find((t) => t.slug === s)).toMatchObject({ isolation: "schema", dataSchema: schema });
    expect((await cli(["tenant", "list"])).stdout).toMatch(new RegExp(`${s}\\s.*\\sschema\\s`));
  });

  it("database: prepared, its connection strings sealed and stored, never printed", async (ctx) => {
    needServer(ctx);
    const s = slug("ded");
    const url = new URL(scratch.databaseUrl("cli", "tenant_mcp_app"));
    url.password = "hunter2-not-shown";
    const run = await cli([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "D",
      "--plan",
      "pro",
      "--isolation",
      "database",
      "--database-url",
      url.toString(),
      "--json",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/hunter2|postgres:\/\//);
    const made = JSON.parse(run.stdout) as Made;
    expect(made.tenant).toMatchObject({ isolation: "database", dataSchema: null });
    expect(await databaseExists(url.toString())).toBe(true);

    const { rows } = await admin.query<{ data_url: string; admin_url: string }>(
      "SELECT t.data_url, d.admin_url FROM public.tenants t JOIN public.tenant_databases d ON d.tenant_id = t.id WHERE t.id = $1",
      [made.tenant.id],
    );
    expect(rows[0]?.data_url).toMatch(/^v1\./);
    expect(await openData(cloud.dataSecretKey, made.tenant.id, rows[0]?.data_url as string)).toBe(url.toString());
    const adminUrl = await openData(cloud.dataSecretKey, made.tenant.id, rows[0]?.admin_url as string);
    expect(new URL(adminUrl).username).toBe(new URL(cloud.adminDatabaseUrl).username);
    expect(new URL(adminUrl).pathname).toBe(url.pathname);
    // Sealed for this tenant: another tenant's id does not open it.
    await expect(openData(cloud.dataSecretKey, crypto.randomUUID(), rows[0]?.data_url as string)).rejects.toThrow();
    expect(await workerReads(url.toString(), made.tenant.id, null)).toEqual(["Default"]);
    expect((await cli(["tenant", "show", s])).stdout).toMatch(/isolation\s+database\n/);
  });

  it("by default makes a database named after the main one, and a failure leaves no schema and no database behind", async (ctx) => {
    needServer(ctx);
    const s = slug("dflt");
    const made = await json<Made>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "D",
      "--plan",
      "free",
      "--isolation",
      "database",
    ]);
    const main = new URL(cloud.adminDatabaseUrl);
    const expected = new URL(main.toString());
    expected.pathname = `${main.pathname}_${made.tenant.id.replace(/-/g, "")}`;
    scratch.adopt(expected.toString());
    expect(await databaseExists(expected.toString())).toBe(true);

    // The slug is taken: the schema and the database made for the attempt are gone again.
    const before = await schemas();
    const again = await cli([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "X",
      "--plan",
      "free",
      "--isolation",
      "schema",
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(await schemas()).toEqual(before);
    const target = scratch.databaseUrl("gone", "tenant_mcp_app");
    const third = await cli([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "X",
      "--plan",
      "free",
      "--isolation",
      "database",
      "--database-url",
      target,
    ]);
    expect(third.code).toBe(1);
    expect(await databaseExists(target)).toBe(false);
  });

  it("never quotes a connection string or its password in an error, and needs the admin login for the tiers", async (ctx) => {
    needServer(ctx);
    const bad = "postgres://postgres:topsecret-pw@127.0.0.1:9209/tmcp_nowhere";
    const run = await cli([
      "tenant",
      "create",
      "--slug",
      slug("bad"),
      "--name",
      "B",
      "--plan",
      "free",
      "--isolation",
      "database",
      "--database-url",
      bad,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/topsecret/);
    expect(run.stderr).toMatch(/^error: /);
    const { DATABASE_ADMIN_URL: _a, DATA_SECRET_KEY: _k, ...without } = ENV;
    const refused = await cli(
      ["tenant", "create", "--slug", slug("noadm"), "--name", "N", "--plan", "free", "--isolation", "schema"],
      without,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/DATABASE_ADMIN_URL and DATA_SECRET_KEY/);
    const usage = await cli([
      "tenant",
      "create",
      "--slug",
      "x1",
      "--name",
      "N",
      "--plan",
      "free",
      "--isolation",
      "schema",
      "--database-url",
      "postgres://a@b/c",
    ]);
    expect(usage.code).toBe(2);
  });
});

describe("workspace commands and tenant delete on each tier", { timeout: 60_000 }, () => {
  for (const tier of ["schema", "database"] as const) {
    it(`${tier}: the workspace commands work in the tenant's location; delete drops it`, async (ctx) => {
      needServer(ctx);
      const s = slug(tier.slice(0, 3));
      const extra = tier === "database" ? ["--database-url", scratch.databaseUrl("ws", "tenant_mcp_app")] : [];
      const made = await json<Made>([
        "tenant",
        "create",
        "--slug",
        s,
        "--name",
        "W",
        "--plan",
        "free",
        "--isolation",
        tier,
        ...extra,
      ]);
      const where =
        tier === "schema"
          ? { url: cloud.adminDatabaseUrl, table: `${made.tenant.dataSchema}.workspaces` }
          : { url: asSuperuser(extra[1] as string), table: "public.workspaces" };
      const names = async (): Promise<string[]> =>
        (
          await query<{ name: string }>(
            where.url,
            `SELECT name FROM ${where.table} WHERE tenant_id = $1 ORDER BY name`,
            [made.tenant.id],
          )
        ).map((r) => r.name);

      await json(["workspace", "create", s, "--name", "Second"]);
      expect(await names()).toEqual(["Default", "Second"]);
      const listed = await json<{ workspaces: { name: string }[] }>(["workspace", "list", s]);
      expect(listed.workspaces.map((w) => w.name)).toEqual(["Default", "Second"]);
      await json(["workspace", "rename", s, "Second", "--name", "Renamed"]);
      await json(["workspace", "delete", s, "Default", "--yes"]);
      expect(await names()).toEqual(["Renamed"]);
      expect(
        (await admin.query("SELECT 1 FROM public.workspaces WHERE tenant_id = $1", [made.tenant.id])).rowCount,
      ).toBe(0);

      const deleted = await cli(["tenant", "delete", s, "--yes"]);
      expect(deleted.code).toBe(0);
      expect(deleted.stdout).toMatch(
        tier === "schema" ? /dropped its schema tenant_[0-9a-f]{32}/ : /dropped its database /,
      );
      if (tier === "schema") expect(await schemas()).not.toContain(made.tenant.dataSchema);
      else expect(await databaseExists(extra[1] as string)).toBe(false);
    });
  }
});
