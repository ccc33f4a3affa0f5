// `tenant move` between isolation tiers, against real PostgreSQL: every pair of tiers keeps every row exactly (ids,
// timestamps, text), a move killed after any step leaves the tenant whole where it was (or, past the switch, where it
// went) and the next move finishes the job, a failing step rolls back at once, and a killed CLI process is recovered.
// Each file run works on a fresh main database of its own and the tenant databases the moves make, dropped afterwards.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";
import { migrate } from "../../scripts/migrate.ts";
import { MOVE_STEPS, MoveKilled, moveTenant, type MoveStep } from "../../scripts/tenant-data/move.ts";
import { createTenantOn, type Placement } from "../../scripts/tenant-data/provision.ts";
import { openData } from "../../scripts/tenant-data/locations.ts";
import { requireServers } from "../support/servers.ts";
import { DATA_KEY, databaseExists, query, Scratch, tierDeps } from "./tier-support.ts";

const cloud = inject("cloud");
const scratch = new Scratch();
let mainUrl = "";
let tiers: ReturnType<typeof tierDeps>;

beforeAll(async () => {
  mainUrl = scratch.databaseUrl("mv");
  await migrate({ databaseUrl: mainUrl, dataSecretKey: DATA_KEY });
  tiers = tierDeps(cloud, mainUrl);
}, 60_000);
afterAll(() => scratch.cleanup());

const slug = (p: string): string => `${p}-${crypto.randomUUID().slice(0, 8)}`;

/** Where tenant `id`'s data is, by its row, as a superuser URL and schema. */
async function location(id: string): Promise<{ isolation: string; url: string; schema: string; moving: boolean }> {
  const [row] = await query<{
    isolation: string;
    data_schema: string | null;
    admin_url: string | null;
    moving: boolean;
  }>(
    mainUrl,
    `SELECT t.isolation, t.data_schema, d.admin_url, t.data_moving_since IS NOT NULL AS moving
       FROM public.tenants t LEFT JOIN public.tenant_databases d ON d.tenant_id = t.id WHERE t.id = $1`,
    [id],
  );
  if (!row) throw new Error("no tenant row");
  const url = row.admin_url ? await openData(DATA_KEY, id, row.admin_url) : mainUrl;
  if (row.admin_url) scratch.adopt(url);
  return { isolation: row.isolation, url, schema: row.data_schema ?? "public", moving: row.moving };
}

/** Every stored value of the tenant's rows, as text, wherever its data is. */
async function snapshot(id: string): Promise<unknown> {
  const at = await location(id);
  const ws = await query(
    at.url,
    `SELECT id::text, name, (created_at AT TIME ZONE 'UTC')::text AS created_at,
            (archived_at AT TIME ZONE 'UTC')::text AS archived_at
       FROM ${at.schema}.workspaces WHERE tenant_id = $1 ORDER BY id`,
    [id],
  );
  const docs = await query(
    at.url,
    `SELECT id::text, workspace_id::text, title, body, (created_at AT TIME ZONE 'UTC')::text AS created_at,
            (updated_at AT TIME ZONE 'UTC')::text AS updated_at, search IS NOT NULL AND length(search) > 0 AS indexed
       FROM ${at.schema}.documents WHERE tenant_id = $1 ORDER BY id`,
    [id],
  );
  return { ws, docs };
}

/** A tenant on `placement` with workspaces and documents whose values a careless copy would change. */
async function seeded(placement: Placement, prefix = "mv"): Promise<{ id: string; slug: string; before: unknown }> {
  const s = slug(prefix);
  const made = await createTenantOn(tiers.deps, tiers.admin, { slug: s, name: s, plan: "free" }, placement);
  const id = made.tenant.id;
  const at = await location(id);
  const client = new pg.Client({ connectionString: at.url });
  await client.connect();
  try {
    await client.query("BEGIN; SET LOCAL ROLE tenant_mcp_owner");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [id]);
    await client.query(`SET LOCAL search_path TO ${at.schema}`);
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO workspaces (name, created_at, archived_at) VALUES
         ('Ünïcödé "quoted" \\ back', '2020-02-29 12:34:56.123456+00', NULL),
         ('Archived', '2021-01-01 00:00:00.000001+00', '2022-06-30 23:59:59.999999+00')
       RETURNING id`,
    );
    // More rows than one copy chunk; some bodies empty, some with newlines and tabs; distinct microseconds.
    await client.query(
      `INSERT INTO documents (workspace_id, title, body, created_at, updated_at)
       SELECT ($1::uuid[])[1 + i % 2], 'Doc ' || i || ' — ' || repeat('x', i % 7),
              CASE WHEN i % 5 = 0 THEN '' ELSE E'line one\\nline\\ttwo ' || i END,
              '2023-03-03 03:03:03.000003+00'::timestamptz + make_interval(secs => i / 1000.0), clock_timestamp()
         FROM generate_series(0, 2499) AS i`,
      [rows.map((r) => r.id)],
    );
    // An idempotency key with its recorded answer (sql/data/002): a retry after the move must still replay it.
    await client.query(
      `INSERT INTO idempotency_keys (credential, key, tool, request_hash, results, expires_at)
       VALUES ('api_key:k', 'move-key', 'create_document', 'h', '[[{"id": "x", "at": "2023-03-03T03:03:03Z"}]]',
               now() + interval '1 day')`,
    );
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
  return { id, slug: s, before: await snapshot(id) };
}

/** Whether the Worker's login may write the tenant's data at its current location (enter_tenant for a write). */
async function workerMayWrite(id: string): Promise<string> {
  const at = await location(id);
  const u = new URL(at.url);
  u.username = "tenant_mcp_app";
  try {
    await query(u.toString(), "SELECT public.enter_tenant($1, $2, true)", [
      id,
      at.schema === "public" ? null : at.schema,
    ]);
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

async function leftovers(id: string): Promise<{ schemas: number; publicRows: number; journal: number }> {
  const hex = id.replace(/-/g, "");
  const at = await location(id);
  const [s] = await query<{ n: number }>(
    mainUrl,
    // Its own schema, unless that is where its data is now.
    "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1 AND nspname <> $2",
    [`tenant_${hex}`, at.schema],
  );
  const [p] = await query<{ n: number }>(
    mainUrl,
    "SELECT count(*)::int AS n FROM public.workspaces WHERE tenant_id = $1",
    [id],
  );
  const [j] = await query<{ n: number }>(
    mainUrl,
    "SELECT count(*)::int AS n FROM public.tenant_moves WHERE tenant_id = $1",
    [id],
  );
  return { schemas: s?.n ?? 0, publicRows: at.isolation === "shared" ? 0 : (p?.n ?? 0), journal: j?.n ?? 0 };
}

const move = (s: string, placement: Placement, afterStep?: (step: MoveStep) => void) =>
  moveTenant(tiers.deps, tiers.admin, s, placement, afterStep ? { afterStep } : {});

describe("tenant move", { timeout: 240_000 }, () => {
  it("between every pair of tiers keeps every row exactly, and leaves nothing of the old copy", async (ctx) => {
    await requireServers(ctx, { postgres: cloud.serverUrls.postgres });
    const t = await seeded({ isolation: "shared" });
    const neighbour = await seeded({ isolation: "shared" }, "nb");
    const other = scratch.databaseUrl("mvdb", "tenant_mcp_app");
    const path: Placement[] = [
      { isolation: "schema" },
      { isolation: "database" },
      { isolation: "database", databaseUrl: other },
      { isolation: "shared" },
      { isolation: "database", databaseUrl: other },
      { isolation: "schema" },
      { isolation: "shared" },
    ];
    let previous = await location(t.id);
    for (const placement of path) {
      const result = await move(t.slug, placement);
      expect(result.to).toBe(placement.isolation);
      expect(result.rows).toEqual({ workspaces: 3, documents: 2500, idempotency_keys: 1 });
      const now = await location(t.id);
      expect(now.isolation).toBe(placement.isolation);
      expect(now.moving).toBe(false);
      expect(await snapshot(t.id)).toEqual(t.before);
      expect(await workerMayWrite(t.id)).toBe("ok");
      expect(await leftovers(t.id)).toEqual({ schemas: 0, publicRows: 0, journal: 0 });
      // The old copy is gone: its schema dropped, its rows deleted, or a database the tiers made dropped.
      if (
        previous.isolation === "database" &&
        previous.url !== now.url &&
        new URL(previous.url).pathname !== new URL(other).pathname
      ) {
        expect(await databaseExists(previous.url)).toBe(false);
      }
      previous = now;
    }
    // The tenant next door never moved and never changed.
    expect(await snapshot(neighbour.id)).toEqual(neighbour.before);
    expect(await workerMayWrite(neighbour.id)).toBe("ok");
  });

  const pairs: [Placement, Placement][] = [
    [{ isolation: "shared" }, { isolation: "schema" }],
    [{ isolation: "schema" }, { isolation: "database" }],
    [{ isolation: "database" }, { isolation: "shared" }],
  ];
  for (const [from, to] of pairs) {
    for (const killedAfter of MOVE_STEPS) {
      it(`${from.isolation} to ${to.isolation}, killed after ${killedAfter}: whole where it was (or went); the next move finishes`, async (ctx) => {
        await requireServers(ctx, { postgres: cloud.serverUrls.postgres });
        const t = await seeded(from);
        await expect(
          move(t.slug, to, (step) => {
            if (step === killedAfter) throw new MoveKilled(`killed after ${step}`);
          }),
        ).rejects.toThrow(MoveKilled);
        const past = MOVE_STEPS.indexOf(killedAfter) >= MOVE_STEPS.indexOf("switched");
        const at = await location(t.id);
        expect(at.isolation).toBe(past ? to.isolation : from.isolation);
        expect(await snapshot(t.id)).toEqual(t.before);
        if (!past && MOVE_STEPS.indexOf(killedAfter) >= MOVE_STEPS.indexOf("fenced")) {
          // Fenced: writes refused (503 at the Worker), reads go on.
          expect(at.moving).toBe(true);
          expect(await workerMayWrite(t.id)).toBe("55TM1");
        }
        const again = await move(t.slug, to);
        expect(again.recovered).toBe(past ? "finished" : "rolled back");
        expect((await location(t.id)).isolation).toBe(to.isolation);
        expect(await snapshot(t.id)).toEqual(t.before);
        expect(await workerMayWrite(t.id)).toBe("ok");
        expect(await leftovers(t.id)).toEqual({ schemas: 0, publicRows: 0, journal: 0 });
      });
    }
  }

  it("a step that fails rolls back at once: the tenant stays where it was, whole and writable", async (ctx) => {
    await requireServers(ctx, { postgres: cloud.serverUrls.postgres });
    const t = await seeded({ isolation: "schema" });
    const target = scratch.databaseUrl("fail", "tenant_mcp_app");
    await expect(
      move(t.slug, { isolation: "database", databaseUrl: target }, (step) => {
        if (step === "verified") throw new Error("disk on fire");
      }),
    ).rejects.toThrow(/disk on fire.*rolled back: the tenant stays on schema/);
    const at = await location(t.id);
    expect(at).toMatchObject({ isolation: "schema", moving: false });
    expect(await snapshot(t.id)).toEqual(t.before);
    expect(await workerMayWrite(t.id)).toBe("ok");
    expect(await databaseExists(target)).toBe(false);
    expect((await leftovers(t.id)).journal).toBe(0);
  });

  it("a CLI process that exits mid-move is recovered by `tenant move --abort`", async (ctx) => {
    await requireServers(ctx, { postgres: cloud.serverUrls.postgres });
    const t = await seeded({ isolation: "shared" });
    const owner = new URL(mainUrl);
    owner.username = "tenant_mcp_owner";
    const env = {
      DATABASE_URL: owner.toString(),
      UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
      API_KEY_PEPPER: cloud.apiKeyPepper,
      LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
      DATABASE_ADMIN_URL: mainUrl,
      DATA_SECRET_KEY: DATA_KEY,
    };
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL("../../scripts/admin.ts", import.meta.url)),
        "tenant",
        "move",
        t.slug,
        "--isolation",
        "schema",
      ],
      {
        env: { ...process.env, ...env, TENANT_MOVE_FAULT: "copied:exit" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(75);
    expect(stderr).toMatch(/copied: (?=.*workspaces 3)(?=.*documents 2500)(?=.*idempotency_keys 1)/);
    expect(await location(t.id)).toMatchObject({ isolation: "shared", moving: true });
    expect(await snapshot(t.id)).toEqual(t.before);

    let out = "";
    const aborted = await runAdmin(["tenant", "move", t.slug, "--abort"], {
      env,
      stdout: (s) => void (out += s),
      stderr: () => {},
    });
    expect(aborted).toBe(0);
    expect(out).toMatch(/rolled back the unfinished move; its data is on shared/);
    expect(await location(t.id)).toMatchObject({ isolation: "shared", moving: false });
    expect(await snapshot(t.id)).toEqual(t.before);
    expect(await leftovers(t.id)).toEqual({ schemas: 0, publicRows: 0, journal: 0 });
    expect(await workerMayWrite(t.id)).toBe("ok");
  });
});

describe("tenant move under writes", { timeout: 240_000 }, () => {
  it("every write acknowledged while the tenant moves through the tiers is there exactly once", async (ctx) => {
    await requireServers(ctx, { postgres: cloud.serverUrls.postgres });
    const t = await seeded({ isolation: "shared" }, "load");
    const [ws] = await query<{ id: string }>(
      (await location(t.id)).url,
      "SELECT id::text FROM public.workspaces WHERE tenant_id = $1 LIMIT 1",
      [t.id],
    );
    const acked: string[] = [];
    const refused = { fenced: 0, stale: 0 };
    let stop = false;
    // A client as the Worker would be one: it learns the tenant's location from its record before each call (the
    // Worker's caches are invalidated by the move), enters through enter_tenant, and retries a refused write.
    const writer = async (n: number): Promise<void> => {
      const clients = new Map<string, pg.Client>();
      try {
        for (let i = 0; !stop; ) {
          const at = await location(t.id);
          const app = new URL(at.url);
          app.username = "tenant_mcp_app";
          let client = clients.get(app.toString());
          if (!client) {
            client = new pg.Client({ connectionString: app.toString() });
            client.on("error", () => {});
            await client.connect();
            clients.set(app.toString(), client);
          }
          const title = `w${n}-${i}`;
          try {
            await client.query("BEGIN");
            await client.query("SELECT public.enter_tenant($1, $2, true)", [
              t.id,
              at.schema === "public" ? null : at.schema,
            ]);
            await client.query("INSERT INTO documents (workspace_id, title) VALUES ($1, $2)", [ws?.id, title]);
            await client.query("COMMIT");
            acked.push(title);
            i++;
          } catch (e) {
            await client.query("ROLLBACK").catch(() => {});
            const code = (e as { code?: string }).code;
            if (code === "55TM1") refused.fenced++;
            else if (code === "42P01" || code === "3F000" || code === "57P01" || code === "3D000" || !code) {
              // The old copy is gone (a schema or database dropped): the location read was stale; read it again.
              refused.stale++;
              clients.delete(app.toString());
              await client.end().catch(() => {});
            } else throw e;
          }
        }
      } finally {
        for (const c of clients.values()) await c.end().catch(() => {});
      }
    };
    const writers = [0, 1, 2].map(writer);
    for (const placement of [
      { isolation: "schema" },
      { isolation: "database" },
      { isolation: "shared" },
      { isolation: "schema" },
    ] as Placement[]) {
      await move(t.slug, placement);
    }
    stop = true;
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThan(20);
    expect(refused.fenced).toBeGreaterThan(0);
    const at = await location(t.id);
    const rows = await query<{ title: string; n: number }>(
      at.url,
      `SELECT title, count(*)::int AS n FROM ${at.schema}.documents WHERE tenant_id = $1 AND title ~ '^w[0-9]+-' GROUP BY title`,
      [t.id],
    );
    const present = new Map(rows.map((r) => [r.title, r.n]));
    expect(acked.filter((a) => present.get(a) !== 1)).toEqual([]);
    expect(rows.length).toBe(acked.length);
  });
});
