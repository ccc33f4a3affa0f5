// public.enter_tenant (sql/data/database.sql), the first statement of every tenant-data call: it scopes the call to
// the tenant, routes unqualified table names to the tenant's schema, and refuses while the tenant's data is fenced
// for a move. Exercised through the Worker's own path (createTenantDb with a data target) as the Worker's role.
import { neon, neonConfig } from "@neondatabase/serverless";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createTenantDb, TenantDbError } from "../../src/db/tenant-db.ts";

const cloud = inject("cloud");
neonConfig.fetchEndpoint = cloud.neonHttpEndpoint;
const admin = neon(cloud.adminDatabaseUrl);
const app = neon(cloud.appDatabaseUrl);

async function makeTenant(): Promise<{ id: string; workspaceId: string }> {
  const id = crypto.randomUUID();
  const workspaceId = crypto.randomUUID();
  await admin.transaction([
    admin.query("insert into tenants (id, slug, name, plan) values ($1, $2, 'T', 'free')", [
      id,
      `et-${id.slice(0, 12)}`,
    ]),
    admin.query("insert into workspaces (tenant_id, id, name) values ($1, $2, 'main')", [id, workspaceId]),
  ]);
  return { id, workspaceId };
}

async function failure(promise: Promise<unknown>): Promise<TenantDbError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TenantDbError) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

const shared = (id: string) => createTenantDb(app, id, { kind: "data", schema: null });
const documentCount = async (id: string): Promise<number> => {
  const rows = await admin.query("select count(*)::int as n from documents where tenant_id = $1", [id]);
  return (rows[0] as { n: number }).n;
};

describe("the move fence", () => {
  let t: { id: string; workspaceId: string };
  beforeAll(async () => {
    t = await makeTenant();
  });

  it("lets reads and writes through when the tenant is not fenced", async () => {
    await shared(t.id).query("insert into documents (workspace_id, title) values ($1, 'before')", [t.workspaceId]);
    expect(await shared(t.id).query("select title from documents", [], { readOnly: true })).toEqual([
      { title: "before" },
    ]);
  });

  it("refuses writes while the data is moving (nothing written), and lets reads go on from the old copy", async () => {
    await admin.query("insert into data_fences (tenant_id, state) values ($1, 'moving')", [t.id]);
    try {
      const before = await documentCount(t.id);
      const err = await failure(
        shared(t.id).query("insert into documents (workspace_id, title) values ($1, 'during')", [t.workspaceId]),
      );
      expect(err.failure).toBe("moving");
      expect(err.code).toBe("55TM1");
      expect(await documentCount(t.id)).toBe(before);
      // A transaction that is not read-only counts as a write, even when it only reads.
      expect((await failure(shared(t.id).query("select 1"))).failure).toBe("moving");
      expect(await shared(t.id).query("select title from documents", [], { readOnly: true })).toHaveLength(1);
    } finally {
      await admin.query("delete from data_fences where tenant_id = $1", [t.id]);
    }
  });

  it("refuses reads too once the data has moved away, so a stale location is never served", async () => {
    await admin.query("insert into data_fences (tenant_id, state) values ($1, 'moved')", [t.id]);
    try {
      const err = await failure(shared(t.id).query("select title from documents", [], { readOnly: true }));
      expect(err.failure).toBe("moving");
    } finally {
      await admin.query("delete from data_fences where tenant_id = $1", [t.id]);
    }
  });

  it("fences only its own tenant", async () => {
    const other = await makeTenant();
    await admin.query("insert into data_fences (tenant_id, state) values ($1, 'moved')", [t.id]);
    try {
      await shared(other.id).query("insert into documents (workspace_id, title) values ($1, 'other')", [
        other.workspaceId,
      ]);
      expect(await documentCount(other.id)).toBe(1);
    } finally {
      await admin.query("delete from data_fences where tenant_id = $1", [t.id]);
    }
  });

  it("is invisible to the Worker's role for other tenants (row-level security)", async () => {
    const other = await makeTenant();
    await admin.query("insert into data_fences (tenant_id, state) values ($1, 'moving')", [other.id]);
    try {
      expect(await shared(t.id).query("select tenant_id from data_fences", [], { readOnly: true })).toEqual([]);
    } finally {
      await admin.query("delete from data_fences where tenant_id = $1", [other.id]);
    }
  });
});

describe("routing to the tenant's schema", () => {
  let t: { id: string; workspaceId: string };
  let schema: string;

  beforeAll(async () => {
    t = await makeTenant();
    schema = `tenant_${t.id.replaceAll("-", "")}`;
    // A minimal tenant schema: the same tables as public, under the same policy (the admin CLI provisions real ones).
    await admin.transaction([
      admin.query(`create schema ${schema} authorization tenant_mcp_owner`),
      admin.query(`grant usage on schema ${schema} to tenant_mcp_app`),
      admin.query(`create table ${schema}.workspaces (like public.workspaces including all)`),
      admin.query(`alter table ${schema}.workspaces enable row level security`),
      admin.query(`alter table ${schema}.workspaces force row level security`),
      admin.query(
        `create policy tenant_isolation on ${schema}.workspaces for all
           using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
           with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)`,
      ),
      admin.query(`grant select, insert on ${schema}.workspaces to tenant_mcp_app`),
      admin.query(`insert into ${schema}.workspaces (tenant_id, name) values ($1, 'in its schema')`, [t.id]),
    ]);
  });

  it("resolves unqualified names in the tenant's schema, not in public", async () => {
    const db = createTenantDb(app, t.id, { kind: "data", schema });
    expect(await db.query("select name from workspaces", [], { readOnly: true })).toEqual([{ name: "in its schema" }]);
    expect(await db.query("select current_schema() as s", [], { readOnly: true })).toEqual([{ s: schema }]);
  });

  it("scopes the schema's rows to the tenant even when another tenant names the schema", async () => {
    const intruder = await makeTenant();
    const db = createTenantDb(app, intruder.id, { kind: "data", schema });
    expect(await db.query("select name from workspaces", [], { readOnly: true })).toEqual([]);
  });

  it.each(["public", "pg_catalog", "tenant_x", `tenant_${"0".repeat(32)}; drop table documents`])(
    "refuses %s as a tenant schema",
    async (bad) => {
      const err = await failure(createTenantDb(app, t.id, { kind: "data", schema: bad }).query("select 1"));
      expect(err.code).toBe("22023");
    },
  );
});
