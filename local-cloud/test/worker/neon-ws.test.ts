import { Client, neon, neonConfig, Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  bind,
  errorText,
  execute,
  firstColumns,
  flush,
  parse,
  query,
  sync,
  WireConnection,
} from "../support/pg-wire.ts";
import { cloudLacks } from "../../../test/support/servers.ts";

// The local cloud's WebSocket bridge, driven through the driver's Pool and Client from inside workerd.
// In a Worker a Pool or Client cannot outlive one request, so every test creates and ends its own.
const cloud = inject("cloud");
neonConfig.fetchEndpoint = cloud.neonHttpEndpoint;
neonConfig.wsProxy = () => cloud.neonWsProxy;
neonConfig.useSecureWebSocket = false;
// The default sends the password before the server asks for it, which trust auth rejects.
neonConfig.pipelineConnect = false;

const admin = neon(cloud.adminDatabaseUrl);
const table = `neon_test_ws_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

/** Runs `fn` with a fresh Pool and always ends it. */
async function withPool<T>(url: string, fn: (pool: Pool) => Promise<T>, max = 10): Promise<T> {
  const pool = new Pool({ connectionString: url, max });
  pool.on("error", () => {}); // an idle client closed by the server must not become an unhandled error
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

beforeAll(async () => {
  await admin.query(`create table ${table} (id int primary key, note text)`);
});

afterAll(async () => {
  await admin.query(`drop table if exists ${table}`);
});

describe("Neon WebSocket /v1", () => {
  it("runs parameterised queries on a Pool and parses types", async () => {
    const rows = await withPool(cloud.adminDatabaseUrl, async (pool) => {
      const r = await pool.query("select $1::text as t, $2::int + 1 as n, $3::int[] as a, $4::jsonb as j", [
        "héllo ✓ 😀",
        41,
        [1, null, 3],
        { k: [true, null] },
      ]);
      return r.rows;
    });
    expect(rows).toEqual([{ t: "héllo ✓ 😀", n: 42, a: [1, null, 3], j: { k: [true, null] } }]);
  });

  // PGlite logs every connection in as its superuser, and the bridge only copies bytes (documented limitation).
  it("logs in as the role in the connection string", async (ctx) => {
    const lacks = cloudLacks(cloud, "postgres");
    if (lacks) ctx.skip(lacks);
    const user = await withPool(
      cloud.appDatabaseUrl,
      async (pool) => (await pool.query("select current_user as u")).rows[0],
    );
    expect(user).toEqual({ u: "tenant_mcp_app" });
  });

  it("keeps a Client's transaction: BEGIN ... ROLLBACK undoes the writes", async () => {
    const client = new Client(cloud.adminDatabaseUrl);
    // After `end()` the server closes the WebSocket and workerd follows the "close" event with an "error" one.
    client.on("error", () => {});
    await client.connect();
    try {
      await client.query("begin");
      await client.query(`insert into ${table} values ($1, $2)`, [1, "rolled back"]);
      const inside = await client.query(`select count(*)::int as n from ${table} where id = 1`);
      expect(inside.rows).toEqual([{ n: 1 }]);
      await client.query("rollback");
      const after = await client.query(`select count(*)::int as n from ${table} where id = 1`);
      expect(after.rows).toEqual([{ n: 0 }]);
      await client.query("begin");
      await client.query(`insert into ${table} values ($1, $2)`, [2, "committed"]);
      await client.query("commit");
    } finally {
      await client.end();
    }
    // Seen from another connection (over HTTP): only the committed row exists.
    expect(await admin.query(`select id, note from ${table} order by id`)).toEqual([{ id: 2, note: "committed" }]);
  });

  it("reports Postgres errors with their fields and keeps the connection usable", async () => {
    await withPool(cloud.adminDatabaseUrl, async (pool) => {
      const client = await pool.connect();
      try {
        const err = await client.query("select 1 from").then(
          () => expect.unreachable("query should have failed"),
          (e: { code?: string; position?: string }) => e,
        );
        expect(err).toMatchObject({ code: "42601", position: "14" });
        expect((await client.query("select 2 as n")).rows).toEqual([{ n: 2 }]);
      } finally {
        client.release();
      }
    });
  });

  it("serves concurrent queries on a Pool over several connections", async () => {
    const results = await withPool(
      cloud.adminDatabaseUrl,
      (pool) =>
        Promise.all(
          Array.from({ length: 12 }, (_, i) => pool.query("select $1::int as i, pg_backend_pid() as pid", [i])),
        ),
      4,
    );
    expect(results.map((r) => r.rows[0].i)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const pids = new Set(results.map((r) => r.rows[0].pid));
    // PGlite has one backend for every connection; a server has one per connection.
    if (cloud.engines.postgres === "server") expect(pids.size).toBe(4);
  });

  // The driver may send Parse ... Sync in several frames. Another connection's query arriving in between must not
  // touch this connection's unnamed statement: true of a server (a session per connection) and, since the local
  // cloud hands PGlite's one shared session to one exchange at a time, of the embedded engine too.
  it("keeps a connection's unnamed statement while another connection's query arrives between its frames", async () => {
    const db = new URL(cloud.adminDatabaseUrl);
    const open = (): Promise<WireConnection> =>
      WireConnection.ws(`ws://${cloud.neonWsProxy}`, decodeURIComponent(db.username), db.pathname.slice(1));
    const a = await open();
    const b = await open();
    try {
      a.send(parse("select $1::text as v"), flush());
      await a.until("1");
      b.send(query("select 'b' as v"));
      const bAnswer = b.until("Z");
      // Give B's query every chance to run first, as it did before the fix (a bound, not a wait for an event).
      await Promise.race([bAnswer, scheduler.wait(300)]);
      a.send(bind(["a"]), execute(), sync());
      const aAnswer = await a.until("Z");
      expect(errorText(aAnswer)).toBeUndefined();
      expect(firstColumns(aAnswer)).toEqual(["a"]);
      expect(firstColumns(await bAnswer)).toEqual(["b"]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("carries messages larger than one frame both ways", async () => {
    const big = "x".repeat(300_000) + "✓".repeat(100_000);
    const r = await withPool(cloud.adminDatabaseUrl, (pool) =>
      pool.query("select $1::text as echo, length($1::text) as len, repeat('y', 2000000) as gen", [big]),
    );
    expect(r.rows[0].len).toBe(400_000);
    expect(r.rows[0].echo).toBe(big);
    expect(r.rows[0].gen).toHaveLength(2_000_000);
  });
});
