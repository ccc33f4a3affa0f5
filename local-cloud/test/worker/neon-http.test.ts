import { neon, neonConfig, NeonDbError } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// The local cloud's Neon HTTP endpoint, driven through the real driver from inside workerd.
const cloud = inject("cloud");
neonConfig.fetchEndpoint = cloud.neonHttpEndpoint;

const admin = neon(cloud.adminDatabaseUrl);
const adminFull = neon(cloud.adminDatabaseUrl, { fullResults: true });
const app = neon(cloud.appDatabaseUrl);

/** A scratch table of this run; the test database is shared with other test files. */
const table = `neon_test_http_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

/** The error a driver promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<NeonDbError> {
  const err = await p.then(
    () => expect.unreachable("query should have failed"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NeonDbError);
  return err as NeonDbError;
}

beforeAll(async () => {
  await admin.query(`create table ${table} (id int primary key, note text)`);
});

afterAll(async () => {
  await admin.query(`drop table if exists ${table}`);
});

describe("Neon HTTP /sql: values", () => {
  it("round-trips scalars as the driver parses them from raw text by type id", async () => {
    const when = new Date("2024-02-29T12:34:56.789Z");
    const id = crypto.randomUUID();
    const [row] = await admin.query(
      `select 2147483647::int4 as i4, $1::int8 as i8, $2::numeric as num,
              'NaN'::float8 as nan, 'Infinity'::float8 as inf, '-Infinity'::float4 as ninf, 1.5::float8 as f,
              true as t, false as f2, $3::text as txt, null::text as nul,
              $4::timestamptz as ts, $5::uuid as id`,
      ["9223372036854775807", "12345678901234567890.123456789", "héllo wörld ✓ 😀 日本 \"'\\", when, id],
    );
    expect(row).toEqual({
      i4: 2147483647,
      i8: "9223372036854775807",
      num: "12345678901234567890.123456789",
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      f: 1.5,
      t: true,
      f2: false,
      txt: "héllo wörld ✓ 😀 日本 \"'\\",
      nul: null,
      ts: when,
      id,
    });
  });

  it("round-trips nested arrays with NULLs and awkward text elements", async () => {
    const [row] = await admin.query(
      "select $1::int[] as ints, $2::text[] as texts, '{{1,NULL},{NULL,4}}'::int8[] as lit",
      [
        [
          [1, null],
          [null, 4],
        ],
        ["a,b", null, 'c"d', "NULL", "", "{x}", "back\\slash"],
      ],
    );
    expect(row).toEqual({
      ints: [
        [1, null],
        [null, 4],
      ],
      texts: ["a,b", null, 'c"d', "NULL", "", "{x}", "back\\slash"],
      lit: [
        ["1", null],
        [null, "4"],
      ],
    });
  });

  it("keeps json as written and jsonb normalised, with their own type ids", async () => {
    const r = await adminFull.query(
      `select '{"b": 1, "a": [2, null]}'::json as j, '{"b": 1, "a": [2, null]}'::jsonb as jb`,
    );
    expect(r.fields.map((f) => f.dataTypeID)).toEqual([114, 3802]);
    const row = r.rows[0] as { j: Record<string, unknown>; jb: Record<string, unknown> };
    expect(row.j).toEqual({ b: 1, a: [2, null] });
    expect(Object.keys(row.j)).toEqual(["b", "a"]); // json keeps the text as written
    expect(Object.keys(row.jb)).toEqual(["a", "b"]); // jsonb stores keys sorted
    const [typed] = await admin.query("select $1::jsonb as v", [{ nested: { list: [1, "two", true] } }]);
    expect(typed).toEqual({ v: { nested: { list: [1, "two", true] } } });
  });

  it("round-trips bytea, timestamptz and interval", async () => {
    const bytes = new Uint8Array([0, 1, 127, 128, 254, 255]);
    const [row] = await admin.query(
      `select $1::bytea as b, length($1::bytea) as n, '2024-02-29 23:59:59.123456+05:30'::timestamptz as ts,
              '1 year 2 mons 3 days 04:05:06.5'::interval as iv`,
      [bytes],
    );
    const r = row as { b: Uint8Array; n: number; ts: Date; iv: Record<string, number> };
    expect(Array.from(r.b)).toEqual(Array.from(bytes));
    expect(r.n).toBe(6);
    expect(r.ts.toISOString()).toBe("2024-02-29T18:29:59.123Z");
    expect(r.iv).toMatchObject({ years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6, milliseconds: 500 });
  });

  it("sends raw Postgres text, real type ids and the command tag on the wire", async () => {
    const res = await fetch(cloud.neonHttpEndpoint, {
      method: "POST",
      headers: {
        "Neon-Connection-String": cloud.adminDatabaseUrl,
        "Neon-Raw-Text-Output": "true",
        "Neon-Array-Mode": "true",
      },
      body: JSON.stringify({
        query: "select 1::int4 as a, true as b, 'NaN'::float8 as c, null::text as d, $1::int8 as e",
        params: ["7"],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      command: "SELECT",
      rowCount: 1,
      rowAsArray: true,
      rows: [["1", "t", "NaN", null, "7"]],
    });
    expect(
      (body.fields as { name: string; dataTypeID: number; format: string }[]).map((f) => [
        f.name,
        f.dataTypeID,
        f.format,
      ]),
    ).toEqual([
      ["a", 23, "text"],
      ["b", 16, "text"],
      ["c", 701, "text"],
      ["d", 25, "text"],
      ["e", 20, "text"],
    ]);
  });

  it("connects as the role named in the connection string", async () => {
    expect(await app`select current_user as u`).toEqual([{ u: "tenant_mcp_app" }]);
  });
});

describe("Neon HTTP /sql: statements and errors", () => {
  it("reports the command tag: DDL has a null rowCount, DML its count", async () => {
    const ddl = await adminFull.query(`create index if not exists ${table}_note on ${table} (note)`);
    expect(ddl).toMatchObject({ command: "CREATE", rowCount: null, rows: [], fields: [] });
    const ins = await adminFull.query(`insert into ${table} values (1001, 'a'), (1002, 'b')`);
    expect(ins).toMatchObject({ command: "INSERT", rowCount: 2 });
    const upd = await adminFull.query(`update ${table} set note = 'c' where id >= 1001`);
    expect(upd).toMatchObject({ command: "UPDATE", rowCount: 2 });
    const del = await adminFull.query(`delete from ${table} where id >= 1001`);
    expect(del).toMatchObject({ command: "DELETE", rowCount: 2 });
  });

  it("refuses a string with several statements, as the extended protocol does", async () => {
    const err = await rejection(admin.query(`insert into ${table} values (2001, 'x'); select 1`));
    expect(err.code).toBe("42601");
    expect(await admin.query(`select count(*)::int as n from ${table} where id = 2001`)).toEqual([{ n: 0 }]);
  });

  it("carries every Postgres error field, e.g. code and position of a syntax error", async () => {
    const err = await rejection(admin.query("select 1 from"));
    expect(err.code).toBe("42601");
    expect(err.position).toBe("14");
    expect(err.severity).toBe("ERROR");
    expect(err.message).toMatch(/syntax error/);
    const dup = await rejection(admin.query(`insert into ${table} values (3001, 'a'), (3001, 'b')`));
    expect(dup).toMatchObject({ code: "23505", table, constraint: `${table}_pkey`, schema: "public" });
    expect(dup.detail).toMatch(/already exists/);
  });

  it("answers an unknown role with a Postgres error", async () => {
    const ghost = neon(cloud.adminDatabaseUrl.replace(/\/\/[^@]*@/, "//neon_test_no_such_role@"));
    const err = await rejection(ghost`select 1`);
    // A server refuses the login; PGlite (one superuser login) refuses the SET ROLE the adapter impersonates with.
    expect(err.code).toBe(cloud.engines.postgres === "server" ? "28000" : "22023");
    expect(err.message).toMatch(/neon_test_no_such_role/);
  });
});

describe("Neon HTTP /sql: transactions", () => {
  it("commits a batch and returns every result", async () => {
    const results = await admin.transaction((tx) => [
      tx`insert into ${tx.unsafe(table)} values (4001, 'one')`,
      tx`insert into ${tx.unsafe(table)} values (4002, 'two') returning id`,
      tx`select count(*)::int as n from ${tx.unsafe(table)} where id in (4001, 4002)`,
    ]);
    expect(results).toEqual([[], [{ id: 4002 }], [{ n: 2 }]]);
  });

  it("rolls back everything when a statement fails", async () => {
    const err = await rejection(
      admin.transaction([
        admin.query(`insert into ${table} values (5001, 'kept?')`),
        admin.query(`update ${table} set note = 'changed' where id = 4001`),
        admin.query("select 1 / 0"),
      ]),
    );
    expect(err.code).toBe("22012");
    expect(await admin.query(`select id, note from ${table} where id in (4001, 5001) order by id`)).toEqual([
      { id: 4001, note: "one" },
    ]);
  });

  it("runs a read-only transaction that refuses writes", async () => {
    const [[ro]] = (await admin.transaction([admin`show transaction_read_only`], { readOnly: true })) as [[unknown]];
    expect(ro).toEqual({ transaction_read_only: "on" });
    const err = await rejection(
      admin.transaction([admin.query(`insert into ${table} values (6001, 'no')`)], { readOnly: true }),
    );
    expect(err.code).toBe("25006");
  });

  it("applies the isolation level (and deferrable) from the headers", async () => {
    const show = (): ReturnType<typeof admin>[] => [
      admin`show transaction_isolation`,
      admin`show transaction_deferrable`,
    ];
    expect(await admin.transaction(show())).toEqual([
      [{ transaction_isolation: "read committed" }],
      [{ transaction_deferrable: "off" }],
    ]);
    expect(await admin.transaction(show(), { isolationLevel: "RepeatableRead" })).toEqual([
      [{ transaction_isolation: "repeatable read" }],
      [{ transaction_deferrable: "off" }],
    ]);
    expect(
      await admin.transaction(show(), { isolationLevel: "Serializable", readOnly: true, deferrable: true }),
    ).toEqual([[{ transaction_isolation: "serializable" }], [{ transaction_deferrable: "on" }]]);
  });

  it("refuses an invalid isolation level with a 400", async () => {
    const err = await rejection(admin.transaction([admin`select 1`], { isolationLevel: "Snapshot" as "Serializable" }));
    expect(err.message).toBe("invalid isolation level");
    const res = await fetch(cloud.neonHttpEndpoint, {
      method: "POST",
      headers: { "Neon-Connection-String": cloud.adminDatabaseUrl, "Neon-Batch-Isolation-Level": "serializable" },
      body: JSON.stringify({ query: "select 1", params: [] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: "invalid isolation level", code: null, position: null });
  });
});

describe("Neon HTTP /sql: isolation between requests", () => {
  // Pooled connections are reused, so several follow-up requests make it near-certain one lands on the same
  // connection as the request that changed the session.
  const followUps = 5;

  it("does not carry a session-level setting into the next request", async () => {
    for (const sql of [admin, app]) {
      await sql`select set_config('neon_test.leak', 'visible', false)`;
      for (let i = 0; i < followUps; i++) {
        const [row] = (await sql`select current_setting('neon_test.leak', true) as v`) as [{ v: string | null }];
        expect(row.v ?? "").toBe("");
      }
    }
  });

  it("does not carry SET ROLE or search_path into the next request", async () => {
    await admin`set role tenant_mcp_app`;
    await admin`set search_path = pg_catalog`;
    for (let i = 0; i < followUps; i++) {
      const [row] = (await admin`select current_user as u, current_setting('search_path') as p`) as [
        { u: string; p: string },
      ];
      expect(row.u).toBe(new URL(cloud.adminDatabaseUrl).username);
      expect(row.p).not.toBe("pg_catalog");
    }
  });

  it("does not keep a temporary table for the next request", async () => {
    await admin`create temp table neon_test_tmp (x int)`;
    for (let i = 0; i < followUps; i++) {
      expect(await admin`select to_regclass('pg_temp.neon_test_tmp')::text as t`).toEqual([{ t: null }]);
    }
  });
});
