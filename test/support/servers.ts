// Which tests need a real server, and the one line each prints when it is skipped without one. `npm test` falls back
// to the embedded engines (PGlite, an in-process Redis) when no server answers; a test that only holds against a
// real server is skipped there with that line, and CI, which runs the servers, runs it. Decided here only: worker
// tests from the local cloud's own choice of engine, Node tests by asking the server's address once per process.
import type { TestContext } from "vitest";
import type { CloudContext } from "../cloud-context.ts";

/** A server a test can need. */
export type ServerKind = "postgres" | "redis";

const NAMES: Record<ServerKind, string> = { postgres: "PostgreSQL", redis: "Redis" };
const DEFAULT_PORTS: Record<ServerKind, string> = { postgres: "5432", redis: "6379" };
/** How long an address may take to accept a connection before it counts as no server. */
const PROBE_TIMEOUT_MS = 1000;

/** Servers by kind, each named by the URL a test would use. */
export type ServerNeeds = Partial<Record<ServerKind, string>>;

/** The skip line, e.g. `needs a PostgreSQL server at 127.0.0.1:5432 (CI runs it)`. */
export function serverNote(needs: ServerNeeds): string {
  const servers = (Object.entries(needs) as [ServerKind, string][]).map(([kind, url]) => {
    const u = new URL(url);
    return `a ${NAMES[kind]} server at ${u.hostname}:${u.port || DEFAULT_PORTS[kind]}`;
  });
  return `needs ${servers.join(" and ")} (CI runs ${servers.length > 1 ? "them" : "it"})`;
}

/** For worker tests: the skip line when the local cloud fell back to its embedded engine for `kind`, else undefined. */
export function cloudLacks(cloud: CloudContext, kind: ServerKind): string | undefined {
  return cloud.engines[kind] === "server" ? undefined : serverNote({ [kind]: cloud.serverUrls[kind] });
}

const probes = new Map<string, Promise<boolean>>();

/** Node only: whether something accepts TCP connections at the URL's host and port (asked once per process). */
export function serverAnswers(kind: ServerKind, url: string): Promise<boolean> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(u.port || DEFAULT_PORTS[kind]);
  const key = `${host}:${port}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = import("node:net").then(
      ({ connect }) =>
        new Promise<boolean>((resolve) => {
          const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
          const done = (ok: boolean): void => {
            socket.destroy();
            resolve(ok);
          };
          socket.once("connect", () => done(true));
          socket.once("timeout", () => done(false));
          socket.once("error", () => done(false));
        }),
    );
    probes.set(key, probe);
  }
  return probe;
}

/** Node only: the skip line naming the servers in `needs` that do not answer; undefined when all do. */
export async function missingServers(needs: ServerNeeds): Promise<string | undefined> {
  const missing: ServerNeeds = {};
  for (const [kind, url] of Object.entries(needs) as [ServerKind, string][]) {
    if (!(await serverAnswers(kind, url))) missing[kind] = url;
  }
  return Object.keys(missing).length ? serverNote(missing) : undefined;
}

/** Node only: skips the running test, with its skip line, unless every server in `needs` answers. */
export async function requireServers(ctx: Pick<TestContext, "skip">, needs: ServerNeeds): Promise<void> {
  const missing = await missingServers(needs);
  if (missing) ctx.skip(missing);
}
