import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

/** Options of {@link startAuthProxy}. */
interface AuthProxyOptions {
  /** Where requests go: an origin such as `http://127.0.0.1:8790`; request paths pass unchanged. */
  upstream: string;
  /** Value of the `Authorization` header added to every request that has none, e.g. `Bearer tmcp_...`. */
  authorization: string;
  /** Port to listen on (127.0.0.1). Default 0: a free port. */
  port?: number;
}

/** A running proxy. */
export interface AuthProxy {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

/**
 * A reverse proxy that adds an `Authorization` header: the MCP conformance CLI has no option for credentials in its
 * server mode (its scenarios call `fetch` and the SDK client without headers), and this server checks an API key on
 * every request. Everything else passes unchanged in both directions, streamed (SSE responses included), so the
 * suite still sees the server's own statuses and headers; Origin is kept, Host becomes the upstream's.
 */
export async function startAuthProxy(o: AuthProxyOptions): Promise<AuthProxy> {
  const upstream = new URL(o.upstream);
  const send = upstream.protocol === "https:" ? httpsRequest : httpRequest;
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    headers.host = upstream.host;
    headers.authorization ??= o.authorization;
    const target = new URL(req.url ?? "/", upstream.origin);
    const out = send(target, { method: req.method, headers }, (answer) => {
      const back: IncomingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name)) back[name] = value;
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
    });
    out.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`proxy: ${err.message}`);
      else res.destroy();
    });
    // A client that goes away (an SSE reader cancelling) ends the upstream request too.
    res.on("close", () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
