import type { AddressInfo } from "node:net";
import { startTerminateProxy } from "./terminate-proxy.ts";

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
 * PGlite has one backend session that all socket connections share (the socket server queues their messages and
 * keeps a connection's transaction together). Several connections are allowed, because the HTTP adapter pools
 * connections and the WebSocket bridge opens one per client; the packages are imported lazily so a machine with a
 * real server never loads the WASM build. Clients reach it through a proxy that closes a connection after
 * `Terminate`, as a server does.
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
  const proxy = await startTerminateProxy({ host, port }, host);
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
