/**
 * Cloudflare's Agents SDK peer, as its docs/mcp-servers.md recommends: `createMcpHandler` from `agents/mcp/server`,
 * made once at module scope, with a factory that builds an SDK v2 `McpServer` per request; default options (route
 * `/mcp`, `legacy: "stateless"`, so 2025-era clients get the stateless fallback and 2026-07-28 clients are served
 * natively). Its only documented authentication is `OAuthProvider` (a whole OAuth server): there is no bearer-token
 * hook to give a fixed token, so this peer checks none.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { createMcpHandler, type StatelessMcpHandler } from "agents/mcp/server";
import { registerNaiveTools, type Sql } from "../../../naive-worker/src/tools.ts";
import { PEER_INFO } from "../../shared.ts";

/** The handler; `sql` is called per request, as the factory builds a server per request. */
export function createAgentsPeer(sql: () => Sql): StatelessMcpHandler {
  return createMcpHandler(() => {
    const server = new McpServer(PEER_INFO);
    registerNaiveTools((name, config, handler) => server.registerTool(name, config as never, handler as never), sql());
    return server;
  });
}
