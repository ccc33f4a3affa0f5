import { connect, createServer, type Server, type Socket } from "node:net";
import { wireScanner, type MessageKind } from "./wire-scanner.ts";

/** Frontend messages the server answers with ReadyForQuery: each one ends an exchange. */
const EXCHANGE_ENDS: ReadonlySet<MessageKind> = new Set(["startup", "Q", "S", "F"]);
/** ReadyForQuery's status byte outside a transaction block ('I'; 'T' in one, 'E' in a failed one). */
const IDLE = 0x49;
/** A frontend Sync message. */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/** One holder at a time, granted in request order. Grants are synchronous callbacks. */
interface Gate {
  acquire(granted: () => void): void;
  /** Withdraws a request not yet granted. */
  cancel(granted: () => void): void;
  release(): void;
}

function fifoGate(): Gate {
  let busy = false;
  const queue: (() => void)[] = [];
  return {
    acquire(granted) {
      if (busy) return void queue.push(granted);
      busy = true;
      granted();
    },
    cancel(granted) {
      const at = queue.indexOf(granted);
      if (at >= 0) queue.splice(at, 1);
    },
    release() {
      const next = queue.shift();
      if (next) next();
      else busy = false;
    },
  };
}

/**
 * A TCP proxy in front of PGlite's socket server that makes its one shared backend session behave, for each client,
 * like a session of its own:
 *
 * - It forwards one connection's messages at a time, from the first message of an exchange until the server's
 *   ReadyForQuery says the session is idle again (status 'I', so a transaction holds it until COMMIT or ROLLBACK).
 *   pglite-socket interleaves connections at whatever chunk boundaries their bytes arrive in, and keeps a connection
 *   together only inside an explicit transaction block; the extended protocol's Parse, Bind, Execute ... Sync often
 *   arrives in several chunks (a WebSocket frame or TCP segment can end anywhere). Another connection's query in
 *   between replaces or drops the unnamed statement ("unnamed prepared statement does not exist") or runs while
 *   the session is skipping messages after an error, which a real server, one session per connection, never does.
 * - When a client vanishes in the middle of an exchange, it sends the Sync the client owed, so the next connection
 *   does not find the session skipping messages until one.
 * - It closes a connection once the client has sent `Terminate`, as a PostgreSQL server does: pglite-socket keeps
 *   the socket open instead, and the Neon driver's `Client.end()` waits for the server to close it.
 */
export function startSessionProxy(target: { host: string; port: number }, host: string): Promise<Server> {
  const sockets = new Set<Socket>();
  const gate = fifoGate();
  const server = createServer((client) => {
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => {}); // "close" follows
    }
    proxyConnection(client, upstream, gate);
  });
  // Also end proxied connections on close, so stopping the engine never waits on a client.
  const close = server.close.bind(server);
  server.close = (cb?: (err?: Error) => void): Server => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve(server));
  });
}

/** Pipes one client to its upstream connection, forwarding the client's bytes only while it holds `gate`. */
function proxyConnection(client: Socket, upstream: Socket, gate: Gate): void {
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const pending: Buffer[] = [];
  let held = false;
  let waiting = false;
  let awaiting = 0; // exchanges forwarded whose ReadyForQuery has not come back yet
  let open = false; // messages forwarded since the last exchange ended
  let status = IDLE;
  let terminated = false;
  let endWhenAnswered = false; // the client has gone; end the connection once the server has answered

  const fromServer = wireScanner(false, (kind, first) => {
    if (kind !== "Z") return;
    awaiting = Math.max(0, awaiting - 1);
    status = first ?? IDLE;
  });
  const fromClient = wireScanner(true, (kind) => {
    if (EXCHANGE_ENDS.has(kind)) {
      awaiting++;
      open = false;
    } else if (kind === "ssl") fromServer.skipRaw(1);
    else if (kind === "X") terminated = true;
    else if (kind !== "cancel") open = true;
  });

  const idle = (): boolean => awaiting === 0 && !open && !fromClient.partial && status === IDLE;
  const releaseIfIdle = (): void => {
    if (held && idle()) {
      held = false;
      gate.release();
    }
  };
  const forward = (chunk: Buffer): void => {
    upstream.write(chunk);
    fromClient.push(chunk);
  };
  const granted = (): void => {
    waiting = false;
    held = true;
    for (const chunk of pending.splice(0)) forward(chunk);
    if (terminated) {
      upstream.end();
      client.end();
      return; // the gate is released when the connection has closed
    }
    releaseIfIdle();
  };

  client.on("data", (chunk: Buffer) => {
    if (terminated) return;
    pending.push(chunk);
    if (held) granted();
    else if (!waiting) {
      waiting = true;
      gate.acquire(granted);
    }
  });
  // Not `pipe()`: once the client has gone, the server's answer to the Sync sent for it must still be read.
  upstream.on("data", (chunk: Buffer) => {
    if (!client.destroyed && !client.write(chunk)) upstream.pause();
    fromServer.push(chunk);
    if (endWhenAnswered && awaiting === 0) upstream.end();
    releaseIfIdle();
  });
  client.on("drain", () => upstream.resume());

  client.once("close", () => {
    pending.length = 0;
    upstream.resume();
    // Gone after 2 s at the latest, whatever the server still has to say.
    setTimeout(() => upstream.destroy(), 2000).unref();
    // The server skips messages after an error until a Sync: send the one the client owed (not possible inside a
    // half-sent message) and end the connection once it is answered. Ending it rolls back an open transaction.
    if (held && open && !fromClient.partial && !terminated) {
      forward(SYNC);
      endWhenAnswered = true;
    } else upstream.end();
  });
  upstream.once("close", () => {
    client.destroy();
    if (waiting) gate.cancel(granted);
    waiting = false;
    if (held) {
      held = false;
      gate.release();
    }
  });
}
