import type { IncomingMessage, Server } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { FaultHook, PgSession } from "./faults.ts";
import type { PgBackend } from "./postgres.ts";
import type { Stats } from "./stats.ts";

/** Options of {@link attachNeonWsBridge}. */
interface NeonWsOptions {
  backend: PgBackend;
  stats: Pick<Stats, "count">;
  /**
   * Injected faults (tests), applied at the upgrade, or at the startup message for a rule limited to one database;
   * none by default.
   */
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
        const dial = (): Socket => connect({ host: o.backend.host, port: o.backend.port });
        bridge(ws, dial, (database) => sessionFault(o.faults, database, ws, socket));
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

/**
 * Whether the session to `database` may go on, after the fault of a rule limited to that database (if any) struck: a
 * refused or held session never reaches Postgres, an `error` one gets a Postgres error instead of its startup answer.
 */
async function sessionFault(
  faults: FaultHook | undefined,
  database: string,
  ws: WebSocket,
  socket: Duplex,
): Promise<boolean> {
  const fault = faults?.pickSession(database);
  if (!fault) return true;
  const session: PgSession = {
    socket,
    fail(message) {
      if (ws.readyState === ws.OPEN) ws.send(fatalError(message), { binary: true }, () => ws.close(1000));
    },
  };
  return fault.apply("request", session);
}

/**
 * Copies bytes both ways until either side closes, then closes the other. Postgres is dialled once the client's
 * startup message has named its database and `admit` said the session may go on.
 */
function bridge(ws: WebSocket, dial: () => Socket, admit: (database: string) => Promise<boolean>): void {
  // Frames that arrive before the TCP connection is up (the startup message always does) wait here, in order.
  let pending: Buffer[] | undefined = [];
  let tcp: Socket | undefined;
  const startup = startupScanner();

  const open = (): void => {
    const socket = dial();
    tcp = socket;
    socket.setNoDelay(true);
    socket.on("drain", () => ws.resume());
    socket.once("connect", () => {
      const queued = pending ?? [];
      pending = undefined;
      for (const bytes of queued) socket.write(bytes);
    });
    pipeBack(ws, socket);
  };

  ws.on("message", (data: RawData, isBinary: boolean) => {
    if (!isBinary) {
      // Neon's proxy treats a text frame as a protocol error and drops the connection.
      ws.close(1003, "binary frames only");
      tcp?.destroy();
      return;
    }
    const bytes = toBuffer(data);
    if (pending) pending.push(bytes);
    else if (tcp && !tcp.write(bytes)) ws.pause();
    if (tcp || !startup.scanning) return;
    const database = startup.push(bytes);
    if (database === undefined) return;
    void admit(database).then((go) => {
      if (go && ws.readyState === ws.OPEN) open();
    });
  });
  ws.on("error", () => {}); // "close" follows.
  ws.once("close", () => {
    pending = undefined;
    // Once our side is flushed, drop the socket: nobody reads what Postgres might still send.
    const socket = tcp;
    socket?.end(() => socket.destroy());
  });
}

/** Postgres to the WebSocket, with back-pressure, and the close of either side closing the other. */
function pipeBack(ws: WebSocket, tcp: Socket): void {
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
}

/** Protocol 3.0 StartupMessage code, and the one-byte-answered requests a client may send before it. */
const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * Reads the frontend's first bytes up to its StartupMessage and returns the database it names (the user's name when
 * it names none, as a server does). `scanning` turns false once it is found (or the bytes are not a startup).
 */
function startupScanner(): { readonly scanning: boolean; push(chunk: Buffer): string | undefined } {
  let head = Buffer.alloc(0);
  let scanning = true;
  return {
    get scanning() {
      return scanning;
    },
    push(chunk) {
      head = Buffer.concat([head, chunk]);
      while (head.length >= 8) {
        const length = head.readInt32BE(0);
        const code = head.readInt32BE(4);
        if ((code === SSL_REQUEST || code === GSSENC_REQUEST) && length === 8) {
          head = head.subarray(8);
          continue;
        }
        if (code !== PROTOCOL_3 || length < 8) {
          scanning = false;
          return "";
        }
        if (head.length < length) return undefined;
        const params = head.subarray(8, length).toString("utf8").split("\0");
        const named = new Map<string, string>();
        for (let i = 0; i + 1 < params.length; i += 2)
          if (params[i]) named.set(params[i] as string, params[i + 1] ?? "");
        scanning = false;
        return named.get("database") ?? named.get("user") ?? "";
      }
      return undefined;
    },
  };
}

/** A FATAL ErrorResponse message (SQLSTATE 57P03, cannot connect now) carrying `message`. */
function fatalError(message: string): Buffer {
  const fields = Buffer.concat(
    [
      ["S", "FATAL"],
      ["V", "FATAL"],
      ["C", "57P03"],
      ["M", message],
    ].map(([k, v]) => Buffer.from(`${k}${v}\0`, "utf8")),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
