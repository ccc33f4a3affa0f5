/** The `@hono/mcp` peer Worker (see server.ts); the app is the Worker, as in the README. */
import { env } from "cloudflare:workers";
import { lazySql, type PeerEnv, peerSql } from "../../shared.ts";
import { createHonoPeer } from "./server.ts";

export default createHonoPeer(lazySql(() => peerSql(env as unknown as PeerEnv)));
