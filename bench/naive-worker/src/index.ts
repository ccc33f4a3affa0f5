/**
 * The naive baseline Worker: no tenancy, no API keys, no sessions, no rate limit, no logging. Every request builds a
 * new McpServer and registers every tool with inline zod schemas (see tools.ts); each tool runs its own query through
 * the Neon HTTP driver. Session (2025-era) requests get the v1 SDK over a stateless Streamable HTTP transport with its
 * defaults; stateless (2026-07-28) requests get the v2 SDK's `createMcpHandler`, built per request as well.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { createMcpHandler, isLegacyRequest } from "@modelcontextprotocol/server";
import { buildNaiveStatelessServer, buildNaiveServer, serveNaiveSession } from "./server.ts";

/** The naive Worker's bindings. */
export interface NaiveEnv {
  /** A role that sees every row (no row-level security: there is no tenant). */
  DATABASE_URL: string;
  /** The local cloud's Neon HTTP endpoint; empty in a real deployment. */
  LOCAL_NEON_HTTP_ENDPOINT: string;
}

export default {
  async fetch(request: Request, env: NaiveEnv): Promise<Response> {
    if (new URL(request.url).pathname !== "/mcp") return new Response("Not found", { status: 404 });
    if (env.LOCAL_NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = env.LOCAL_NEON_HTTP_ENDPOINT;
    const sql = neon(env.DATABASE_URL);
    if (await isLegacyRequest(request)) return serveNaiveSession(buildNaiveServer(sql), request);
    return createMcpHandler(() => buildNaiveStatelessServer(sql), { legacy: "reject" }).fetch(request);
  },
};
