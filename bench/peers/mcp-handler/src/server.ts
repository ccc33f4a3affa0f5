/**
 * Vercel's `mcp-handler` peer (2.x, on MCP SDK v2), as its README recommends: `createMcpHandler(initialize)` made once,
 * registering the tools on the server it is given, wrapped in `withMcpAuth` with a token check (`required: true`)
 * that accepts the bench's fixed token. It serves 2026-07-28 natively and 2025-era clients statelessly.
 */
import { createMcpHandler, withMcpAuth } from "mcp-handler";
import { registerNaiveTools, type Sql } from "../../../naive-worker/src/tools.ts";
import { PEER_INFO, PEER_TOKEN } from "../../shared.ts";

/** The authenticated handler; `sql` is called each time the handler initializes a server. */
export function createMcpHandlerPeer(sql: () => Sql): (request: Request) => Promise<Response> {
  const handler = createMcpHandler(
    (server) => {
      registerNaiveTools((name, config, h) => server.registerTool(name, config as never, h as never), sql());
    },
    { serverInfo: PEER_INFO },
  );
  return withMcpAuth(
    handler,
    (_request, token) => (token === PEER_TOKEN ? { token, clientId: "bench", scopes: [] } : undefined),
    { required: true },
  );
}
