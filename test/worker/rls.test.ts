// Row-level security as the Worker meets it: through the Neon HTTP driver, as the real roles, against the migrated
// test database. Each test file makes its own tenants with random slugs, so parallel files never share rows.
import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { beforeAll, describe, expect, inject, it } from "vitest";

type Sql = NeonQueryFunction<false, false>;

const cloud = inject("cloud");
neonConfig.fetchEndpoint = cloud.neonHttpEndpoint;
const admin: Sql = neon(cloud.adminDatabaseUrl);
const app: Sql = neon(cloud.appDatabaseUrl);
const owner: Sql = neon(cloud.ownerDatabaseUrl);

// What every tenant policy must say, as pg_get_expr prints it.
const TENANT_EXPR = "(NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid";

interface Fixture {
  tenantId: string;
  slug: string;
  workspaceId: string;
  documentIds: string[];
  keyId: string;
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A tenant with one workspace, `docs` documents and one API key, made as the admin (which bypasses RLS). */
async function makeTenant(docs: number): Promise<Fixture> {
  const slug = `rls-${randomHex(6)}`;
  const tenantId = crypto.randomUUID();
  const workspaceId = crypto.randomUUID();
  const keyId = randomHex(8);
  const documentIds = Array.from({ length: docs }, () => crypto.randomUUID());
  await admin.transaction([
    admin`insert into public.tenants (id, slug, name, plan) values (${tenantId}, ${slug}, ${`Tenant ${slug}`}, 'pro')`,
    admin`insert into public.workspaces (tenant_id, id, name) values (${tenantId}, ${workspaceId}, 'main')`,
    ...documentIds.map(
      (id, i) => admin`insert into public.documents (tenant_id, id, workspace_id, title, body)
                       values (${tenantId}, ${id}, ${workspaceId}, ${`Doc ${i}`}, 'quarterly report')`,
    ),
    admin`insert into public.api_keys (id, tenant_id, name, secret_hash)
          values (${keyId}, ${tenantId}, 'test', ${randomHex(32)})`,
  ]);
  return { tenantId, slug, workspaceId, documentIds, keyId };
}

/** Runs `queries` in one HTTP transaction that first sets app.tenant_id, as the Worker's db layer does. */
async function asTenant(sql: Sql, tenantId: string, queries: ReturnType<Sql>[]): Promise<Record<string, unknown>[][]> {
  const [, ...results] = await sql.transaction([
    sql`select set_config('app.tenant_id', ${tenantId}, true)`,
    ...queries,
  ]);
  return results as Record<string, unknown>[][];
}

/** The SQLSTATE of the error `p` rejects with. */
async function sqlState(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  throw new Error("expected the statement to fail");
}

let a: Fixture;
let b: Fixture;

beforeAll(async () => {
  [a, b] = await Promise.all([makeTenant(3), makeTenant(2)]);
});

describe("catalogue", () => {
  /** Tables with a tenant_id that are the operators' own, not a tenant's (sql/016). */
  const OPERATOR_ONLY = ["operator_audit"];

  it("forces RLS with one USING + WITH CHECK tenant policy on every table that has tenant_id", async () => {
    const rows = await admin`
      select c.relname, c.relrowsecurity, c.relforcerowsecurity,
             (select coalesce(array_agg(pg_get_expr(p.polqual, p.polrelid)), '{}')
                from pg_policy p
               where p.polrelid = c.oid and p.polcmd = '*' and p.polpermissive
                 and p.polroles = '{0}' and p.polwithcheck is not null
                 and pg_get_expr(p.polqual, p.polrelid) = pg_get_expr(p.polwithcheck, p.polrelid)) as tenant_quals
        from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
         and exists (select 1 from pg_attribute at
                      where at.attrelid = c.oid and at.attname = 'tenant_id' and not at.attisdropped)
       order by c.relname`;
    expect(rows.map((r) => r.relname)).toEqual(expect.arrayContaining(["api_keys", "documents", "workspaces"]));
    for (const r of rows) {
      // The operator audit log names the tenant an operator acted on, across tenants, and outlives the tenant: it
      // belongs to the owner, and no Worker role may touch it at all (checked here instead of a tenant policy).
      if (OPERATOR_ONLY.includes(r.relname)) {
        const [grants] = await admin`
          select has_table_privilege('tenant_mcp_app', ${`public.${r.relname}`}, 'select,insert,update,delete') as app`;
        expect({ table: r.relname, app: grants?.app }).toEqual({ table: r.relname, app: false });
        continue;
      }
      expect({ table: r.relname, rls: r.relrowsecurity, force: r.relforcerowsecurity }).toEqual({
        table: r.relname,
        rls: true,
        force: true,
      });
      expect({ table: r.relname, quals: r.tenant_quals }).toEqual({
        table: r.relname,
        quals: [`(tenant_id = ${TENANT_EXPR})`],
      });
    }
  });

  it("protects tenants itself by id", async () => {
    const [t] = await admin`
      select c.relrowsecurity, c.relforcerowsecurity,
             (select pg_get_expr(p.polqual, p.polrelid) from pg_policy p
               where p.polrelid = c.oid and p.polcmd = '*' and p.polroles = '{0}') as qual
        from pg_class c where c.oid = 'public.tenants'::regclass`;
    expect(t).toEqual({ relrowsecurity: true, relforcerowsecurity: true, qual: `(id = ${TENANT_EXPR})` });
  });

  it("has no other policy that could apply to the Worker's role", async () => {
    // Anything beyond the tenant policy must be granted to a specific role the Worker is not and cannot become.
    const rows = await admin`
      select c.relname, p.polname, p.polroles::regrole[]::text[] as roles
        from pg_policy p join pg_class c on c.oid = p.polrelid
       where c.relnamespace = 'public'::regnamespace
         and not (p.polroles = '{0}' and p.polcmd = '*')
         and exists (select 1 from unnest(p.polroles) r
                      where r = 0 or pg_has_role('tenant_mcp_app', r, 'USAGE'))`;
    expect(rows).toEqual([]);
  });

  it("makes the Worker's role NOSUPERUSER NOBYPASSRLS, owner of nothing and member of nothing", async () => {
    const [role] = await admin`
      select rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolcanlogin,
             (select count(*)::int from pg_auth_members m where m.member = r.oid) as memberships
        from pg_roles r where rolname = 'tenant_mcp_app'`;
    expect(role).toEqual({
      rolsuper: false,
      rolbypassrls: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolcanlogin: true,
      memberships: 0,
    });
    const [owned] = await admin`
      select (select count(*)::int from pg_class where relowner = 'tenant_mcp_app'::regrole) as relations,
             (select count(*)::int from pg_proc where proowner = 'tenant_mcp_app'::regrole) as functions,
             (select count(*)::int from pg_namespace where nspowner = 'tenant_mcp_app'::regrole) as schemas,
             (select count(*)::int from pg_type where typowner = 'tenant_mcp_app'::regrole) as types,
             (select count(*)::int from pg_database where datdba = 'tenant_mcp_app'::regrole) as databases`;
    expect(owned).toEqual({ relations: 0, functions: 0, schemas: 0, types: 0, databases: 0 });
  });

  it("keeps the owner and the key-lookup role subject to RLS", async () => {
    const rows = await admin`
      select rolname, rolsuper, rolbypassrls, rolcanlogin from pg_roles
       where rolname in ('tenant_mcp_owner', 'tenant_mcp_key_lookup') order by rolname`;
    expect(rows).toEqual([
      { rolname: "tenant_mcp_key_lookup", rolsuper: false, rolbypassrls: false, rolcanlogin: false },
      { rolname: "tenant_mcp_owner", rolsuper: false, rolbypassrls: false, rolcanlogin: true },
    ]);
  });

  it("grants the Worker no TRUNCATE, and nothing on api_keys or the migration history", async () => {
    const rows = await admin`
      select c.relname,
             has_table_privilege('tenant_mcp_app', c.oid, 'TRUNCATE') as can_truncate,
             has_table_privilege('tenant_mcp_app', c.oid, 'SELECT') as can_select
        from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
       order by c.relname`;
    expect(rows.filter((r) => r.can_truncate)).toEqual([]);
    expect(rows.filter((r) => ["api_keys", "schema_migrations"].includes(r.relname as string))).toEqual([
      { relname: "api_keys", can_truncate: false, can_select: false },
      { relname: "schema_migrations", can_truncate: false, can_select: false },
    ]);
  });

  it("pins search_path on every function in public, and on every SECURITY DEFINER function anywhere", async () => {
    const rows = await admin`
      select p.oid::regprocedure::text as fn, p.prosecdef, p.proconfig
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public'
          or (p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema'))`;
    expect(rows.map((r) => r.fn)).toContain("lookup_api_key(text)");
    // enter_tenant sets search_path for the rest of its caller's transaction (sql/data/database.sql): a SET clause
    // would undo that on return. It is SECURITY INVOKER and names every object schema-qualified instead; the test
    // below holds it to that.
    const entry = rows.find((r) => r.fn === "enter_tenant(uuid,text,boolean)");
    expect(entry?.prosecdef).toBe(false);
    // claim_idempotency_key (sql/data/002) is made in every data location and pinned to it: public here.
    const claim = rows.find((r) => r.fn.startsWith("claim_idempotency_key("));
    expect({ definer: claim?.prosecdef, config: claim?.proconfig }).toEqual({
      definer: false,
      config: ["search_path=public, pg_temp"],
    });
    for (const r of rows.filter((r) => r !== entry && r !== claim)) {
      expect({ fn: r.fn, config: r.proconfig }).toEqual({
        fn: r.fn,
        config: expect.arrayContaining(["search_path=pg_catalog, pg_temp"]),
      });
    }
  });

  it("enter_tenant names every object it uses schema-qualified, since it cannot pin search_path", async () => {
    const [row] = await admin`
      select pg_get_functiondef('public.enter_tenant(uuid,text,boolean)'::regprocedure) as body`;
    const body = String(row?.body).split("AS $function$")[1] ?? "";
    // Calls and tables with no schema before them: every one must be pg_catalog.* or public.*.
    const unqualified = [
      ...body.matchAll(/(?<![.\w])(set_config|pg_advisory_xact_lock_shared|hashtextextended|data_fences)\b/g),
    ];
    expect(unqualified.map((m) => m[0])).toEqual([]);
  });
});

describe("as the Worker's role", () => {
  it("reads nothing, without error, when no tenant is set", async () => {
    for (const table of ["tenants", "workspaces", "documents"]) {
      const [row] = await app.query(`select count(*)::int as n from public.${table}`);
      expect({ table, n: row?.n }).toEqual({ table, n: 0 });
    }
  });

  it("reads nothing, without a cast error, when the tenant is set to ''", async () => {
    const [docs] = await asTenant(app, "", [app`select count(*)::int as n from public.documents`]);
    expect(docs).toEqual([{ n: 0 }]);
  });

  it("sees only its own tenant's rows", async () => {
    const [tenants, workspaces, docs] = await asTenant(app, a.tenantId, [
      app`select id from public.tenants`,
      app`select tenant_id, id from public.workspaces`,
      app`select tenant_id, id from public.documents order by id`,
    ]);
    expect(tenants).toEqual([{ id: a.tenantId }]);
    expect(workspaces).toEqual([{ tenant_id: a.tenantId, id: a.workspaceId }]);
    expect(docs).toEqual([...a.documentIds].sort().map((id) => ({ tenant_id: a.tenantId, id })));
  });

  it("cannot find another tenant's row by its id", async () => {
    const [hit] = await asTenant(app, a.tenantId, [
      app`select id from public.documents where id = ${b.documentIds[0]!}`,
    ]);
    expect(hit).toEqual([]);
  });

  it("fills tenant_id from app.tenant_id on insert", async () => {
    const [inserted] = await asTenant(app, a.tenantId, [
      app`insert into public.workspaces (name) values ('defaulted') returning tenant_id`,
    ]);
    expect(inserted).toEqual([{ tenant_id: a.tenantId }]);
  });

  it("cannot insert a row for another tenant (42501)", async () => {
    const code = await sqlState(
      asTenant(app, a.tenantId, [
        app`insert into public.documents (tenant_id, workspace_id, title)
            values (${b.tenantId}, ${b.workspaceId}, 'planted')`,
      ]),
    );
    expect(code).toBe("42501");
    const [count] = await admin`select count(*)::int as n from public.documents where title = 'planted'`;
    expect(count).toEqual({ n: 0 });
  });

  it("cannot file its row under another tenant's workspace", async () => {
    // tenant_id defaults to A, so the composite foreign key (A, B's workspace) has nothing to point at.
    const code = await sqlState(
      asTenant(app, a.tenantId, [
        app`insert into public.documents (workspace_id, title) values (${b.workspaceId}, 'misfiled')`,
      ]),
    );
    expect(code).toBe("23503");
  });

  it("cannot move its row to another tenant", async () => {
    const code = await sqlState(
      asTenant(app, a.tenantId, [
        app`update public.documents set tenant_id = ${b.tenantId} where id = ${a.documentIds[0]!}`,
      ]),
    );
    expect(code).toBe("42501");
  });

  it("cannot touch another tenant's rows with UPDATE or DELETE", async () => {
    const [updated, deleted] = await asTenant(app, a.tenantId, [
      app`update public.documents set title = 'hijacked' where id = ${b.documentIds[0]!} returning id`,
      app`delete from public.documents where id = ${b.documentIds[1]!} returning id`,
    ]);
    expect(updated).toEqual([]);
    expect(deleted).toEqual([]);
    const [count] = await admin`select count(*)::int as n from public.documents where tenant_id = ${b.tenantId}
                                   and title <> 'hijacked'`;
    expect(count).toEqual({ n: b.documentIds.length });
  });

  it("cannot read api_keys, even its own tenant's", async () => {
    expect(await sqlState(app`select id from public.api_keys`)).toBe("42501");
    expect(await sqlState(asTenant(app, a.tenantId, [app`select id from public.api_keys`]))).toBe("42501");
  });

  it("looks a key up with lookup_api_key, without a tenant set", async () => {
    const rows = await app`select * from public.lookup_api_key(${a.keyId})`;
    expect(rows).toEqual([
      expect.objectContaining({
        key_id: a.keyId,
        tenant_id: a.tenantId,
        slug: a.slug,
        plan: "pro",
        status: "active",
        features_add: [],
        features_remove: [],
        rate_limit_per_minute: 60,
        config: {},
        revoked_at: null,
        expires_at: null,
      }),
    ]);
    expect(rows[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await app`select * from public.lookup_api_key(${"nosuchkey0000000"})`).toEqual([]);
  });
});

describe("lookup_api_key", () => {
  it("is not executable by PUBLIC", async () => {
    const [acl] = await admin`
      select exists (select 1 from aclexplode(p.proacl) x where x.grantee = 0) as public_execute,
             p.proacl is null as default_acl
        from pg_proc p where p.oid = 'public.lookup_api_key(text)'::regprocedure`;
    expect(acl).toEqual({ public_execute: false, default_acl: false });
    // The owner role has no grant of its own, so it could only run the function through PUBLIC.
    expect(await sqlState(owner`select * from public.lookup_api_key(${a.keyId})`)).toBe("42501");
  });

  it("runs as a definer that cannot log in, bypass RLS or write", async () => {
    const [fn] = await admin`
      select p.prosecdef, p.proowner::regrole::text as owner,
             has_table_privilege(p.proowner, 'public.api_keys', 'INSERT, UPDATE, DELETE, TRUNCATE') as can_write
        from pg_proc p where p.oid = 'public.lookup_api_key(text)'::regprocedure`;
    expect(fn).toEqual({ prosecdef: true, owner: "tenant_mcp_key_lookup", can_write: false });
  });
});

describe("as the owner role", () => {
  it("is held to the policies too (FORCE ROW LEVEL SECURITY)", async () => {
    const [docs] = await owner`select count(*)::int as n from public.documents`;
    expect(docs).toEqual({ n: 0 });
    const [, mine] = await owner.transaction([
      owner`select set_config('app.tenant_id', ${b.tenantId}, true)`,
      owner`select count(*)::int as n from public.documents`,
    ]);
    expect(mine).toEqual([{ n: b.documentIds.length }]);
  });
});
