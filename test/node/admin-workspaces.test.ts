// The admin CLI's workspace commands and the default workspace of `tenant create`, run through the CLI's entry point
// against the test cloud (as in admin-cli.test.ts), and checked behind its back with the superuser.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";

const cloud = inject("cloud");
const admin = new pg.Client({ connectionString: cloud.adminDatabaseUrl });
beforeAll(() => admin.connect());
afterAll(() => admin.end());

const ENV = {
  DATABASE_URL: cloud.ownerDatabaseUrl,
  UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
  API_KEY_PEPPER: cloud.apiKeyPepper,
  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
};

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(args, { env: ENV, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await cli([...args, "--json"]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

async function fails(args: string[], code: 1 | 2, message: RegExp): Promise<void> {
  const run = await cli(args);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(run.stderr).toMatch(message);
  expect(run.code).toBe(code);
}

const slug = (p: string): string => `${p}-${crypto.randomUUID().slice(0, 8)}`;
const WORKSPACE_KEYS = ["archivedAt", "createdAt", "documentCount", "id", "name"];

type Ws = { id: string; name: string; documentCount: number; archivedAt: string | null };

async function rows(tenantId: string): Promise<{ id: string; name: string }[]> {
  return (
    await admin.query("select id::text, name from public.workspaces where tenant_id = $1 order by created_at, id", [
      tenantId,
    ])
  ).rows;
}

describe("tenant create", { timeout: 30_000 }, () => {
  it("makes a first workspace named Default with every new tenant, unless --no-default-workspace", async () => {
    const made = await json<{ tenant: { id: string }; workspace: Ws }>([
      "tenant",
      "create",
      "--slug",
      slug("dw"),
      "--name",
      "D",
      "--plan",
      "free",
    ]);
    expect(Object.keys(made.workspace).sort()).toEqual(WORKSPACE_KEYS);
    expect(made.workspace).toMatchObject({ name: "Default", documentCount: 0, archivedAt: null });
    expect(await rows(made.tenant.id)).toEqual([{ id: made.workspace.id, name: "Default" }]);

    const bare = await json<{ tenant: { id: string }; workspace: null }>([
      "tenant",
      "create",
      "--slug",
      slug("nodw"),
      "--name",
      "N",
      "--plan",
      "free",
      "--no-default-workspace",
    ]);
    expect(bare.workspace).toBeNull();
    expect(await rows(bare.tenant.id)).toEqual([]);

    const human = await cli(["tenant", "create", "--slug", slug("dwh"), "--name", "H", "--plan", "free"]);
    expect(human.stdout).toMatch(/^workspace\s+Default \([0-9a-f-]{36}\)$/m);
  });
});

describe("workspace commands", { timeout: 30_000 }, () => {
  it("create, list, rename (by name or id), delete: JSON shapes, tables, and only the named tenant's rows", async () => {
    const s = slug("ws");
    const { tenant } = await json<{ tenant: { id: string } }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "W",
      "--plan",
      "free",
    ]);
    const o = slug("wso");
    const other = await json<{ tenant: { id: string }; workspace: Ws }>([
      "tenant",
      "create",
      "--slug",
      o,
      "--name",
      "O",
      "--plan",
      "free",
    ]);

    const { workspace } = await json<{ workspace: Ws }>(["workspace", "create", s, "--name", "  Research  "]);
    expect(Object.keys(workspace).sort()).toEqual(WORKSPACE_KEYS);
    expect(workspace).toMatchObject({ name: "Research", documentCount: 0, archivedAt: null });
    await admin.query(
      "insert into public.documents (tenant_id, workspace_id, title) values ($1, $2, 'a'), ($1, $2, 'b')",
      [tenant.id, workspace.id],
    );

    const listed = await json<{ workspaces: Ws[] }>(["workspace", "list", s]);
    expect(listed.workspaces.map((w) => [w.name, w.documentCount])).toEqual([
      ["Default", 0],
      ["Research", 2],
    ]);
    const table = (await cli(["workspace", "list", s])).stdout.split("\n");
    expect(table[0]).toMatch(/^ID\s+NAME\s+DOCUMENTS\s+CREATED\s+ARCHIVED$/);
    expect(table.find((l) => l.includes("Research"))).toMatch(/Research\s+2\s+/);

    await fails(
      ["workspace", "create", s, "--name", "research"],
      1,
      /already has a workspace named "research" \(names ignore case\)/,
    );
    // The same name in another tenant is fine.
    await json(["workspace", "create", o, "--name", "Research"]);

    const renamed = await json<{ workspace: Ws }>(["workspace", "rename", s, "RESEARCH", "--name", "Lab notes"]);
    expect(renamed.workspace).toMatchObject({ id: workspace.id, name: "Lab notes", documentCount: 2 });
    expect(
      (await json<{ workspace: Ws }>(["workspace", "rename", s, workspace.id, "--name", "Lab"])).workspace.name,
    ).toBe("Lab");
    await fails(["workspace", "rename", s, "Lab", "--name", "default"], 1, /already has a workspace named "default"/);

    // Another tenant's workspace, named by its id under this tenant's slug, is not there.
    await fails(
      ["workspace", "rename", s, other.workspace.id, "--name", "pwned"],
      1,
      new RegExp(`tenant "${s}" has no workspace "${other.workspace.id}"`),
    );
    await fails(["workspace", "delete", s, other.workspace.id, "--yes"], 1, /has no workspace/);
    expect(await rows(other.tenant.id)).toContainEqual({ id: other.workspace.id, name: "Default" });

    await fails(["workspace", "delete", s, "Lab"], 2, /removes its documents; add --yes/);
    expect(await json(["workspace", "delete", s, "lab", "--yes"])).toEqual({
      deleted: { id: workspace.id, name: "Lab", documents: 2 },
    });
    const left = await admin.query("select count(*)::int as n from public.documents where workspace_id = $1", [
      workspace.id,
    ]);
    expect(left.rows[0].n).toBe(0);
    expect((await rows(tenant.id)).map((w) => w.name)).toEqual(["Default"]);
  });

  it("wrong names are usage errors (exit 2) before any connection; unknown tenants and workspaces exit 1", async () => {
    for (const [name, why] of [
      ["", /--name is required/],
      ["   ", /--name must not be empty/],
      ["x".repeat(101), /--name must be at most 100 characters/],
      ["a\u0007b", /--name must not contain control/],
      ["rtl\u202Eoverride", /bidirectional-override/],
    ] as const) {
      await fails(["workspace", "create", "acme", "--name", name], 2, why);
    }
    await fails(["workspace", "create", "acme"], 2, /--name is required/);
    await fails(["workspace", "rename", "acme"], 2, /missing <workspace>/);
    await fails(["workspace", "create", "no-such-tenant", "--name", "X"], 1, /no tenant with slug "no-such-tenant"/);
    await fails(["workspace", "list", "no-such-tenant"], 1, /no tenant with slug "no-such-tenant"/);
    await fails(["workspace", "delete", "no-such-tenant", "X", "--yes"], 1, /no tenant with slug "no-such-tenant"/);
    const s = slug("wse");
    await json(["tenant", "create", "--slug", s, "--name", "E", "--plan", "free"]);
    await fails(
      ["workspace", "rename", s, "Nope", "--name", "X"],
      1,
      new RegExp(`tenant "${s}" has no workspace "Nope"`),
    );
  });
});
