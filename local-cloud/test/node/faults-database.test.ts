// A fault limited to one database (the `database` option of a postgres rule): requests whose connection string names
// that database are refused, held, delayed or failed, on the HTTP path and on the WebSocket path (at the startup
// message), while every other database is served as usual. That is how a tenant's dedicated database is made
// unreachable in the tests of per-tenant faults. Runs on a real server and on the embedded fallback (which serves one
// database, and answers any other with "does not exist": still an answer, unlike a refused connection).
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase } from "../../fresh.ts";
import { startCloud, type Cloud } from "../../start.ts";
import { firstColumns, query, WireConnection } from "../support/pg-wire.ts";

const base = new URL(process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_test");
const cloudDatabase = `${decodeURIComponent(base.pathname.slice(1))}_faults`;
const other = `${cloudDatabase}_other`;
/** The database the cloud serves, as its admin URL names it (the fallback names its one database its own way). */
let served: string;
const urlOf = (database: string): string => {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
};

let cloud: Cloud;
beforeAll(async () => {
  cloud = await startCloud({
    databaseUrl: urlOf(cloudDatabase),
    redisUrl: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15",
    log: () => {},
  });
  served = decodeURIComponent(new URL(cloud.pg.adminUrl).pathname.slice(1));
  if (cloud.engines.postgres === "server") {
    const admin = new pg.Client({ connectionString: cloud.pg.adminUrl });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${pg.escapeIdentifier(other)} with (force)`);
      await admin.query(`create database ${pg.escapeIdentifier(other)}`);
    } finally {
      await admin.end();
    }
  }
}, 60_000);

afterAll(async () => {
  await cloud?.close();
  await Promise.all([dropDatabase(urlOf(other)), dropDatabase(urlOf(cloudDatabase))]);
});

/** One statement over the HTTP endpoint as the superuser of `database`: the status and body, or "reset". */
async function httpQuery(database: string): Promise<{ status: number; body: string } | "reset"> {
  try {
    const res = await fetch(cloud.neonHttpEndpoint, {
      method: "POST",
      headers: { "neon-connection-string": `postgres://${cloud.pg.superuser}@db.local/${database}` },
      body: JSON.stringify({ query: "select current_database() as db", params: [] }),
    });
    return { status: res.status, body: await res.text() };
  } catch {
    return "reset";
  }
}

async function setFault(rule: Record<string, unknown>): Promise<void> {
  const res = await fetch(cloud.faultsUrl, { method: "POST", body: JSON.stringify({ postgres: rule }) });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Everything the WebSocket bridge sends back to a startup message for `database`, until it closes, as text. */
async function startupAnswer(database: string): Promise<string> {
  const socket = new WebSocket(wsUrl());
  socket.binaryType = "arraybuffer";
  const chunks: Buffer[] = [];
  socket.addEventListener("message", (e) => chunks.push(Buffer.from(e.data as ArrayBuffer)));
  await new Promise((resolve) => socket.addEventListener("open", resolve));
  const params = Buffer.from(`user\0${cloud.pg.superuser}\0database\0${database}\0\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4);
  socket.send(Buffer.concat([header, params]));
  await new Promise((resolve) => socket.addEventListener("close", resolve));
  return Buffer.concat(chunks).toString("latin1");
}

const clear = (): Promise<Response> => fetch(cloud.faultsUrl, { method: "DELETE" });
const wsUrl = (): string => `ws://${cloud.neonWsProxy}`;

describe("local cloud: a postgres fault limited to one database", () => {
  it("refuses only the named database over HTTP; the others are served", async () => {
    await setFault({ mode: "refuse", database: other });
    try {
      expect(await httpQuery(served)).toMatchObject({ status: 200 });
      expect(await httpQuery(other)).toBe("reset");
    } finally {
      await clear();
    }
    // Without the rule the other database answers again (served on a server; "does not exist" on the fallback).
    expect(await httpQuery(other)).not.toBe("reset");
  });

  it("fails only the named database with the injected error, and delays only it", async () => {
    await setFault({ mode: "error", database: served, status: 503 });
    try {
      const failed = await httpQuery(served);
      expect(failed).toMatchObject({ status: 503, body: expect.stringContaining("INJECTED-UPSTREAM-DETAIL") });
      expect(await httpQuery(other)).not.toMatchObject({ status: 503 });
    } finally {
      await clear();
    }
    await setFault({ mode: "delay", delayMs: 600, database: served });
    try {
      let started = performance.now();
      expect(await httpQuery(served)).toMatchObject({ status: 200 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(550);
      started = performance.now();
      await httpQuery(other);
      expect(performance.now() - started).toBeLessThan(550);
    } finally {
      await clear();
    }
  });

  it("strikes WebSocket sessions at their startup message, by the database it names", async () => {
    await setFault({ mode: "error", database: served });
    try {
      // A FATAL ErrorResponse, then the close, as a server refusing the database answers.
      const answer = await startupAnswer(served);
      expect(answer[0]).toBe("E");
      expect(answer).toContain("C57P03");
      expect(answer).toContain("INJECTED-UPSTREAM-DETAIL");
      await expect(WireConnection.ws(wsUrl(), cloud.pg.superuser, served)).rejects.toThrow();
    } finally {
      await clear();
    }
    await setFault({ mode: "refuse", database: other });
    try {
      await expect(WireConnection.ws(wsUrl(), cloud.pg.superuser, other)).rejects.toThrow();
      const conn = await WireConnection.ws(wsUrl(), cloud.pg.superuser, served);
      conn.send(query("select 'served'"));
      expect(firstColumns(await conn.until("Z"))).toEqual(["served"]);
      await conn.end();
    } finally {
      await clear();
    }
  });

  it("holds a session to the named database until the faults are cleared", async () => {
    await setFault({ mode: "drop", database: served });
    const attempt = WireConnection.ws(wsUrl(), cloud.pg.superuser, served).then(
      (conn) => {
        conn.destroy();
        return "connected";
      },
      () => "failed",
    );
    const early = await Promise.race([attempt, delay(400).then(() => "pending")]);
    await clear();
    expect(early).toBe("pending");
    expect(await attempt).toBe("failed");
  });

  it("accepts the option for postgres only, as a non-empty string", async () => {
    for (const spec of [{ redis: { mode: "refuse", database: "x" } }, { postgres: { mode: "refuse", database: "" } }]) {
      const res = await fetch(cloud.faultsUrl, { method: "POST", body: JSON.stringify(spec) });
      expect(res.status).toBe(400);
    }
  });
});
