/** The `mcp-handler` peer Worker (see server.ts), mounted at /mcp; bindings from `cloudflare:workers`. */
import { env } from "cloudflare:workers";
import { type PeerEnv, peerSql } from "../../shared.ts";
import { createMcpHandlerPeer } from "./server.ts";

const handler = createMcpHandlerPeer(() => peerSql(env as unknown as PeerEnv));

export default {
  fetch(request) {
    if (new URL(request.url).pathname !== "/mcp") return new Response("Not found", { status: 404 });
    return handler(request);
  },
} satisfies ExportedHandler;
