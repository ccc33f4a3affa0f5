import type { AddressInfo } from "node:net";
import { startSessionProxy } from "./session-proxy.ts";

/** A running embedded PGlite behind a Postgres wire-protocol socket. */
export interface PgliteEngine {
  host: string;
  port: number;
  /** PGlite's only login: whatever user a client names, the session is this superuser. */
  superuser: string;
  close(): Promise<void>;
}

/**
 * Starts an in-memory PGlite and serves it on a free 127.0.0.1 port with `@electric-sql/pglite-socket`.
 *
 * PGlite has one backend session that all socket connections share. Several connections are allowed, because the
 * HTTP adapter pools connections and the WebSocket bridge opens one per client; clients reach it through a proxy
 * ({@link startSessionProxy}) that gives the session to one connection at a time, from the start of an exchange to
 * an idle ReadyForQuery, and closes a connection after `Terminate`, as a server does. The packages are imported
 * lazily so a machine with a real server never loads the WASM build.
 */
export async function startPglite(): Promise<PgliteEngine> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  const host = "127.0.0.1";
  const server = new PGLiteSocketServer({ db, host, port: 0, maxConnections: 64 });
  await server.start();
  const port = Number(server.getServerConn().split(":").at(-1));
  if (!Number.isInteger(port) || port <= 0) {
    await server.stop();
    await db.close();
    throw new Error(`PGlite socket server reported no port: ${server.getServerConn()}`);
  }
  const proxy = await startSessionProxy({ host, port }, host);
  return {
    host,
    port: (proxy.address() as AddressInfo).port,
    superuser: "postgres",
    close: async () => {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await server.stop();
      await db.close();
    },
  };
}
