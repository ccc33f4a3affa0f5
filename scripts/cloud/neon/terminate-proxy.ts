import { connect, createServer, type Server, type Socket } from "node:net";

/** Protocol 3.0 StartupMessage code; SSLRequest, GSSENCRequest and CancelRequest use other codes. */
const PROTOCOL_3 = 196608;
/** Frontend `Terminate` message type ('X'). */
const TERMINATE = 0x58;

/**
 * A TCP proxy to `target` that closes a connection once the client has sent `Terminate`, as a PostgreSQL server
 * does. pglite-socket keeps the socket open instead, and the Neon driver's `Client.end()` waits for the server to
 * close it, so without this every `end()` over the WebSocket bridge would hang on PGlite.
 */
export function startTerminateProxy(target: { host: string; port: number }, host: string): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => {}); // "close" follows
    }
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const watch = terminateWatcher();
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      if (watch(chunk)) {
        upstream.end();
        client.end();
      }
    });
    upstream.pipe(client);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
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

/**
 * Follows frontend message boundaries across arbitrary chunks (startup-phase messages have no type byte; later
 * ones are type + int32 length) and reports true once a `Terminate` message has been seen.
 */
export function terminateWatcher(): (chunk: Buffer) => boolean {
  let startup = true;
  let header = Buffer.alloc(0);
  let skip = 0;
  let terminated = false;
  return (chunk) => {
    let i = 0;
    while (i < chunk.length && !terminated) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const need = startup ? 8 : 5;
      const take = Math.min(need - header.length, chunk.length - i);
      header = Buffer.concat([header, chunk.subarray(i, i + take)]);
      i += take;
      if (header.length < need) break;
      if (startup) {
        if (header.readInt32BE(4) === PROTOCOL_3) startup = false;
        skip = Math.max(0, header.readInt32BE(0) - 8);
      } else {
        if (header[0] === TERMINATE) terminated = true;
        skip = Math.max(0, header.readInt32BE(1) - 4);
      }
      header = Buffer.alloc(0);
    }
    return terminated;
  };
}
