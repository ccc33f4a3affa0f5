// The embedded engine (PGlite behind its wire-protocol socket): every connection shares ONE backend session, so the
// local cloud must keep each connection's extended-protocol exchange (Parse ... Sync) whole, or one client's unnamed
// statement is replaced or dropped by another's query, which a real server never does. These tests start PGlite
// themselves, so they run whether or not a PostgreSQL server is there (CI, with one, still covers this path).
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPglite, type PgliteEngine } from "../../neon/pglite.ts";
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

let lite: PgliteEngine;
beforeAll(async () => {
  lite = await startPglite();
}, 60_000);
afterAll(async () => {
  await lite?.close();
});

const open = (): Promise<WireConnection> => WireConnection.tcp(lite.host, lite.port);

/** Whether `p` settles within `ms`: a bound on how long a test waits to see that something did NOT happen. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    delay(ms).then(() => false),
  ]);
}

describe("embedded PGlite: one session, many connections", () => {
  it("keeps a connection's unnamed statement while another connection runs a query between Parse and Bind", async () => {
    const a = await open();
    const b = await open();
    try {
      // A prepares the unnamed statement and asks for the ParseComplete now (Flush), as a driver does when its
      // messages leave in several writes (a WebSocket frame or TCP segment can end anywhere).
      a.send(parse("select $1::text as v"), flush());
      expect((await a.until("1")).map((m) => m.type)).toEqual(["1"]);
      // B's simple query would drop the session's unnamed statement; against a server it is B's own session.
      b.send(query("select 'b' as v"));
      const bAnswer = b.until("Z");
      const bAnsweredBeforeASynced = await settlesWithin(bAnswer, 300);
      a.send(bind(["a"]), execute(), sync());
      const aAnswer = await a.until("Z");
      expect(errorText(aAnswer)).toBeUndefined();
      expect(firstColumns(aAnswer)).toEqual(["a"]);
      expect(firstColumns(await bAnswer)).toEqual(["b"]);
      // B waited for A's Sync: the engine has one session, so an exchange in progress is never interleaved.
      expect(bAnsweredBeforeASynced).toBe(false);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("binds each connection's parameters to that connection's own statement under concurrent load", async () => {
    const conns = await Promise.all(Array.from({ length: 4 }, open));
    try {
      await Promise.all(
        conns.map(async (c, k) => {
          for (let i = 0; i < 20; i++) {
            // Each message in its own write, the most split-up a client can send them.
            for (const m of [parse(`select $1::text || '@${k}' as v`), bind([`${i}`]), execute(), sync()]) {
              c.send(m);
              await delay(0);
            }
            const answer = await c.until("Z");
            expect(errorText(answer)).toBeUndefined();
            expect(firstColumns(answer)).toEqual([`${i}@${k}`]);
          }
        }),
      );
    } finally {
      await Promise.all(conns.map((c) => c.end()));
    }
  });

  it("a connection that dies in the middle of an exchange leaves the session usable for the others", async () => {
    const a = await open();
    const b = await open();
    try {
      // A fails inside an exchange (the backend now skips messages until a Sync), then vanishes without one.
      a.send(parse("select 1 from"), flush());
      expect(errorText(await a.until("E"))).toMatch(/syntax error/);
      a.destroy();
      b.send(parse("select $1::int + 1 as v"), bind(["41"]), execute(), sync());
      const answer = await b.until("Z");
      expect(errorText(answer)).toBeUndefined();
      expect(firstColumns(answer)).toEqual(["42"]);
    } finally {
      await b.end();
    }
  });

  it("a connection that dies inside a transaction is rolled back, and the others go on", async () => {
    const a = await open();
    const b = await open();
    try {
      a.send(query("create table if not exists gate_crash (n int)"));
      await a.until("Z");
      a.send(query("begin; insert into gate_crash values (1)"));
      await a.until("Z");
      b.send(query("select count(*) from gate_crash"));
      const bAnswer = b.until("Z");
      a.destroy();
      expect(firstColumns(await bAnswer)).toEqual(["0"]);
    } finally {
      await b.end();
    }
  });

  it("a transaction on one connection still holds the session until it ends", async () => {
    const a = await open();
    const b = await open();
    try {
      a.send(query("create table if not exists gate_t (n int)"));
      await a.until("Z");
      a.send(query("begin; insert into gate_t values (1)"));
      await a.until("Z");
      b.send(query("select count(*) from gate_t"));
      const bAnswer = b.until("Z");
      expect(await settlesWithin(bAnswer, 300)).toBe(false);
      a.send(query("rollback"));
      await a.until("Z");
      expect(firstColumns(await bAnswer)).toEqual(["0"]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});
