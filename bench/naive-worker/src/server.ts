/**
 * The baseline's per-request server builds, one per SDK generation. Also imported by the bench's CPU
 * microbenchmark (plain Node), so nothing here may depend on Workers-only modules.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { McpServer as StatelessMcpServer } from "@modelcontextprotocol/server";
import { registerNaiveTools, type Register, type Sql } from "./tools.ts";

const INFO = { name: "tenant-mcp-naive", version: "0.0.0" };

/**
 * A v1 SDK McpServer with every tool registered, as the session (2025-era) baseline. The SDK's default JSON-schema
 * validator (Ajv) is left in place: constructing it is fine in workerd; only compiling a schema would need
 * `new Function`, and the v1 McpServer validates tool arguments and results with zod, never with it.
 */
export function buildNaiveServer(sql: Sql): McpServer {
  const server = new McpServer(INFO);
  registerNaiveTools((name, config, handler) => server.registerTool(name, config as never, handler as never), sql);
  return server;
}

/** A v2 SDK McpServer with every tool registered, as the stateless (2026-07-28) baseline. */
export function buildNaiveStatelessServer(sql: Sql): StatelessMcpServer {
  const server = new StatelessMcpServer(INFO);
  const register: Register = (name, config, handler) => server.registerTool(name, config as never, handler as never);
  registerNaiveTools(register, sql);
  return server;
}

/** Serves one request over a stateless transport with the SDK's defaults (SSE replies, no sessions). */
export async function serveNaiveSession(server: McpServer, request: Request): Promise<Response> {
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  return transport.handleRequest(request);
}
