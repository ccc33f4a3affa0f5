/**
 * The `@hono/mcp` peer, as its README shows: one SDK v1 `McpServer` with its tools and one `StreamableHTTPTransport`
 * with its defaults (no session id generator: stateless), both at module scope, connected on the first request; a
 * Hono app routing `/mcp` to the transport behind `@hono/mcp`'s `bearerAuth` middleware with the bench's fixed token.
 * It speaks what SDK v1 speaks: 2025-era revisions, not 2026-07-28.
 */
import { bearerAuth, StreamableHTTPTransport } from "@hono/mcp";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Hono } from "hono";
import { registerNaiveTools, type Sql } from "../../../naive-worker/src/tools.ts";
import { PEER_INFO, PEER_TOKEN } from "../../shared.ts";

/** The Hono app; tools are registered once, with `sql` (use {@link lazySql} when bindings come later). */
export function createHonoPeer(sql: Sql): Hono {
  const mcpServer = new McpServer(PEER_INFO);
  registerNaiveTools((name, config, handler) => mcpServer.registerTool(name, config as never, handler as never), sql);
  const transport = new StreamableHTTPTransport();
  const app = new Hono();
  app.use("/mcp", bearerAuth({ token: PEER_TOKEN }));
  app.all("/mcp", async (c) => {
    if (!mcpServer.isConnected()) await mcpServer.connect(transport);
    return transport.handleRequest(c);
  });
  return app;
}
