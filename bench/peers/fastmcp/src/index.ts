/** The FastMCP edge peer Worker (see server.ts). */
import { env } from "cloudflare:workers";
import { lazySql, type PeerEnv, peerSql } from "../../shared.ts";
import { createFastMcpPeer } from "./server.ts";

const fetch = createFastMcpPeer(lazySql(() => peerSql(env as unknown as PeerEnv)));

export default { fetch } satisfies ExportedHandler;
