/**
 * FastMCP's edge server, as its README's "Cloudflare Workers" section shows: an `EdgeFastMCP` (from `fastmcp/edge`)
 * with the tools added once at module scope, the server itself as the Worker. It has no `outputSchema` and no tool
 * annotations (so its tools/list lists less), answers with its own JSON-RPC switch (initialize, tools/list,
 * tools/call...; no `server/discover`, so no 2026-07-28 lane) and is stateless. It has no authentication hook yet;
 * the README's advice is Hono middleware, but middleware added after the constructor's routes never runs before them,
 * so the token check sits in front of `fetch` instead (the same string comparison).
 */
import { EdgeFastMCP } from "fastmcp/edge";
import { registerNaiveTools, type Sql } from "../../../naive-worker/src/tools.ts";
import { hasPeerToken, PEER_INFO } from "../../shared.ts";

/** The Worker's fetch; tools are registered once, with `sql` (use {@link lazySql} when bindings come later). */
export function createFastMcpPeer(sql: Sql): (request: Request) => Promise<Response> {
  const server = new EdgeFastMCP(PEER_INFO);
  registerNaiveTools(
    (name, config, handler) =>
      server.addTool({
        name,
        description: config.description,
        parameters: config.inputSchema,
        execute: async (args) => {
          const result = await handler(args as Record<string, unknown>);
          // FastMCP has no isError result: a failing tool throws, which it turns into a JSON-RPC error.
          if (result.isError) throw new Error(result.content[0]?.text ?? "tool failed");
          return { content: result.content };
        },
      }),
    sql,
  );
  return async (request) =>
    hasPeerToken(request)
      ? server.fetch(request)
      : Response.json({ error: "Unauthorized" }, { status: 401, headers: { "www-authenticate": "Bearer" } });
}
