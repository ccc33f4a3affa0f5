/**
 * What every peer Worker of `npm run bench` shares with the naive baseline: the tools (bench/naive-worker/src/tools.ts,
 * same names, schemas and one Neon HTTP query per call, no tenancy), the fixed bearer token the bench sends, and the
 * Neon HTTP driver pointed at the local cloud. Plain TypeScript: also imported by the CPU microbenchmark in Node.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import type { Sql } from "../naive-worker/src/tools.ts";

/** The fixed bearer token the bench sends to every peer; a peer with a bearer-token hook accepts only this one. */
export const PEER_TOKEN = "bench-peer-token";

/** The server name and version every peer reports. */
export const PEER_INFO = { name: "tenant-mcp-peer", version: "0.0.0" };

/** A peer Worker's bindings (bench/runner/run.ts writes them to an env file next to the local cloud). */
export interface PeerEnv {
  /** A role that sees every row (no tenant to scope to). */
  DATABASE_URL: string;
  /** The local cloud's Neon HTTP endpoint; empty in a real deployment. */
  LOCAL_NEON_HTTP_ENDPOINT: string;
}

/** The Neon HTTP query function for `env`, as the naive Worker makes it. */
export function peerSql(env: PeerEnv): Sql {
  if (env.LOCAL_NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = env.LOCAL_NEON_HTTP_ENDPOINT;
  return neon(env.DATABASE_URL);
}

/**
 * A query function made on first use: peers whose documentation registers tools once at module scope (Hono's,
 * FastMCP's) hold one of these, since the bindings are read when the first request runs a query.
 */
export function lazySql(make: () => Sql): Sql {
  let sql: Sql | undefined;
  const query: Sql["query"] = (text, params, options) => {
    sql ??= make();
    return sql.query(text, params, options);
  };
  return { query } as Sql;
}

/** Whether `request` carries `Authorization: Bearer <PEER_TOKEN>`. */
export function hasPeerToken(request: Request): boolean {
  return request.headers.get("authorization") === `Bearer ${PEER_TOKEN}`;
}
