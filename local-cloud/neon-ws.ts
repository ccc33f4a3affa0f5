import type { IncomingMessage, Server } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { FaultHook } from "./faults.ts";
import type { PgBackend } from "./postgres.ts";
import type { Stats } from "./stats.ts";

/** Options of {@link attachNeonWsBridge}. */
interface NeonWsOptions {
  backend: PgBackend;
  stats: Pick<Stats, "count">;
  /** Injected faults (tests), applied at the upgrade; none by default. */
  faults?: FaultHook;
}

/** Pause reading from Postgres while this many bytes wait to go out on the WebSocket. */
const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Neon's WebSocket proxy on `/v1` of `server`: each WebSocket is a byte pipe to a new TCP connection to the
 * backend (binary frames carry raw Postgres protocol bytes, not aligned to messages). The `address=` query
 * parameter the driver adds is accepted and ignored. Postgres itself authenticates the client.
 *
 * On PGlite every connection is the superuser in one shared session, and the bridge only copies bytes, so row-level
 * security does NOT hold on this path there (the HTTP adapter impersonates roles; a byte pipe cannot without
 * rewriting the protocol). Tests of RLS must go through HTTP or run against a real server.
 */
export function attachNeonWsBridge(server: Server, o: NeonWsOptions): void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const open = new Set<WebSocket>();

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://local").pathname;
    if (path !== "/v1") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const upgrade = (): void =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        open.add(ws);
        ws.once("close", () => open.delete(ws));
        o.stats.count("neon_ws_connection");
        bridge(ws, connect({ host: o.backend.host, port: o.backend.port }));
      });
    const fault = o.faults?.pick("");
    if (!fault) return upgrade();
    void fault.apply("request", socket).then((go) => {
      if (go && !socket.destroyed) upgrade();
    });
  });

  // `server.close()` waits for every socket, and upgraded ones are not closed by `closeAllConnections()`: end the
  // bridged connections first so shutting the local cloud down never hangs on a client that forgot `pool.end()`.
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void): Server => {
    for (const ws of open) {
      ws.close(1001, "server shutting down");
      // A client that does not answer the closing handshake is cut off after a short grace period.
      setTimeout(() => ws.terminate(), 1000).unref();
    }
    wss.close();
    return close(callback);
  };
}

/** Copies bytes both ways until either side closes, then closes the other. */
function bridge(ws: WebSocket, tcp: Socket): void {
  // Frames that arrive before the TCP connection is up (the startup message usually does) wait here, in order.
  let pending: Buffer[] | undefined = [];
  tcp.setNoDelay(true);

  ws.on("message", (data: RawData, isBinary: boolean) => {
    if (!isBinary) {
      // Neon's proxy treats a text frame as a protocol error and drops the connection.
      ws.close(1003, "binary frames only");
      tcp.destroy();
      return;
    }
    const bytes = toBuffer(data);
    if (pending) pending.push(bytes);
    else if (!tcp.write(bytes)) ws.pause();
  });
  tcp.on("drain", () => ws.resume());
  tcp.once("connect", () => {
    const queued = pending ?? [];
    pending = undefined;
    for (const bytes of queued) tcp.write(bytes);
  });

  tcp.on("data", (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(chunk, { binary: true }, () => {
      if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER_BYTES) tcp.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER_BYTES) tcp.pause();
  });

  tcp.on("error", () => {}); // "close" follows and ends the WebSocket.
  // Postgres closing (after a Terminate message, or on error) closes the WebSocket with a close frame, as Neon's
  // proxy does. workerd then fires an "error" event after the "close" event, so a bare Client needs an error
  // listener (the driver's `end()` waits for this server-side close instead of closing the socket itself).
  tcp.once("close", (hadError) => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      if (hadError) ws.close(1011, "database connection failed");
      else ws.close(1000);
    }
  });
  ws.on("error", () => {}); // "close" follows.
  ws.once("close", () => {
    pending = undefined;
    // Once our side is flushed, drop the socket: nobody reads what Postgres might still send.
    tcp.end(() => tcp.destroy());
  });
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
