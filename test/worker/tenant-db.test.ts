// The tenant-scoped database layer against the migrated test database, as the Worker's role, through the local
// Neon HTTP adapter. Each test file makes its own tenants with random slugs, so parallel files never share rows.
import { neon, neonConfig } from "@neondatabase/serverless";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createTenantDb, TenantDbError, type TenantDb } from "../../src/db/tenant-db.ts";

const cloud = inject("cloud");
neonConfig.fetchEndpoint = cloud.neonHttpEndpoint;

// Every Neon HTTP request of this isolate goes through here, so a test can count its own round trips exactly.
let fetches = 0;
let fetchImpl: typeof fetch = (input, init) => fetch(input, init);
neonConfig.fetchFunction = (input: RequestInfo | URL, init?: RequestInit) => {
  fetches++;
  return fetchImpl(input, init);
};

const admin = neon(cloud.adminDatabaseUrl);
const app = neon(cloud.appDatabaseUrl);

function randomSlug(): string {
  return `tdb-${crypto.randomUUID().slice(0, 12)}`;
}

async function makeTenant(docs: number): Promise<{ id: string; workspaceId: string }> {
  const id = crypto.randomUUID();
  const workspaceId = crypto.randomUUID();
  await admin.transaction([
    admin.query("insert into tenants (id, slug, name, plan) values ($1, $2, 'T', 'free')", [id, randomSlug()]),
    admin.query("insert into workspaces (tenant_id, id, name) values ($1, $2, 'main')", [id, workspaceId]),
    admin.query(
      "insert into documents (tenant_id, workspace_id, title, body) select $1, $2, 'doc ' || g, 'body' from generate_series(1, $3) g",
      [id, workspaceId, docs],
    ),
  ]);
  return { id, workspaceId };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

let a: { id: string; workspaceId: string };
let b: { id: string; workspaceId: string };
let dbA: TenantDb;

beforeAll(async () => {
  [a, b] = await Promise.all([makeTenant(3), makeTenant(5)]);
  dbA = createTenantDb(app, a.id);
});

describe("createTenantDb", () => {
  it.each([
    "",
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000",
    "'; reset role; --",
    "{00000000-0000-0000-0000-000000000000}",
  ])("refuses tenant id %j before any request", (id) => {
    const before = fetches;
    expect(() => createTenantDb(app, id)).toThrow(TypeError);
    expect(fetches).toBe(before);
  });

  it("accepts any canonical UUID, also upper case and non-RFC variants", () => {
    expect(() => createTenantDb(app, "00000000-0000-0000-0000-000000000000")).not.toThrow();
    expect(() => createTenantDb(app, crypto.randomUUID().toUpperCase())).not.toThrow();
  });
});

describe("TenantDb", () => {
  it("sets app.tenant_id inside the transaction, in one HTTP request", async () => {
    const before = fetches;
    const rows = await dbA.query<{ t: string; u: string }>(
      "select current_setting('app.tenant_id') as t, current_user as u",
    );
    expect(fetches - before).toBe(1);
    expect(rows).toEqual([{ t: a.id, u: "tenant_mcp_app" }]);
  });

  it("leaves nothing set for the next request", async () => {
    await dbA.query("select 1");
    const [row] = await app.query("select nullif(current_setting('app.tenant_id', true), '') as t");
    expect(row).toEqual({ t: null });
  });

  it("batch returns every statement's rows, in order, from one HTTP request", async () => {
    const before = fetches;
    const results = await dbA.batch([
      { text: "select count(*)::int as n from documents" },
      { text: "select $1::text as x", params: ["y"] },
      { text: "select id from workspaces" },
    ]);
    expect(fetches - before).toBe(1);
    expect(results).toEqual([[{ n: 3 }], [{ x: "y" }], [{ id: a.workspaceId }]]);
  });

  it("an unscoped select sees only the caller's rows", async () => {
    const docs = await dbA.query<{ tenant_id: string }>("select * from documents");
    expect(docs).toHaveLength(3);
    expect(new Set(docs.map((d) => d.tenant_id))).toEqual(new Set([a.id]));
    const tenants = await createTenantDb(app, b.id).query<{ id: string }>("select id from tenants");
    expect(tenants).toEqual([{ id: b.id }]);
  });

  it("a tenant nobody has sees nothing", async () => {
    const rows = await createTenantDb(app, crypto.randomUUID()).query("select * from documents");
    expect(rows).toEqual([]);
  });

  it("cannot write rows for another tenant (WITH CHECK), and the error carries the SQLSTATE", async () => {
    const err = await caught(dbA.query("insert into workspaces (tenant_id, name) values ($1, 'stolen')", [b.id]));
    expect(err).toBeInstanceOf(TenantDbError);
    expect((err as TenantDbError).code).toBe("42501");
    expect((err as TenantDbError).failure).toBe("query");
    const [row] = await admin.query("select count(*)::int as n from workspaces where tenant_id = $1", [b.id]);
    expect(row).toEqual({ n: 1 });
  });

  it("runs the batch atomically: a failing statement undoes the ones before it", async () => {
    const name = `atomic-${crypto.randomUUID()}`;
    const err = await caught(
      dbA.batch([{ text: "insert into workspaces (name) values ($1)", params: [name] }, { text: "select 1/0" }]),
    );
    expect((err as TenantDbError).code).toBe("22012");
    const rows = await admin.query("select 1 from workspaces where name = $1", [name]);
    expect(rows).toEqual([]);
  });

  it("readOnly calls cannot write", async () => {
    const err = await caught(dbA.query("insert into workspaces (name) values ('ro')", [], { readOnly: true }));
    expect((err as TenantDbError).code).toBe("25006");
  });

  it("reports a transport failure as unavailable, without a SQLSTATE", async () => {
    fetchImpl = () => Promise.reject(new TypeError("network connection lost"));
    try {
      const err = await caught(dbA.query("select 1"));
      expect(err).toBeInstanceOf(TenantDbError);
      expect((err as TenantDbError).failure).toBe("unavailable");
      expect((err as TenantDbError).code).toBeUndefined();
    } finally {
      fetchImpl = (input, init) => fetch(input, init);
    }
  });

  it("reports an aborted call as aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await caught(dbA.query("select 1", [], { signal: controller.signal }));
    expect((err as TenantDbError).failure).toBe("aborted");
  });

  it("an empty batch makes no request", async () => {
    const before = fetches;
    expect(await dbA.batch([])).toEqual([]);
    expect(fetches).toBe(before);
  });
});
