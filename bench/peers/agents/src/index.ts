/** The Agents SDK peer Worker (see server.ts); bindings from `cloudflare:workers`, as the Agents docs show. */
import { env } from "cloudflare:workers";
import { type PeerEnv, peerSql } from "../../shared.ts";
import { createAgentsPeer } from "./server.ts";

const handler = createAgentsPeer(() => peerSql(env as unknown as PeerEnv));

export default {
  fetch(request, workerEnv, ctx) {
    return handler(request, workerEnv, ctx);
  },
} satisfies ExportedHandler;
