/**
 * The local cloud's request counters (local-cloud/stats.ts), read over HTTP: `GET <statsUrl>` and
 * `POST <statsUrl>/reset`. Kinds: upstash_request (every REST request), upstash_pipeline, upstash_multi_exec,
 * upstash_command (Redis commands, counted inside pipelines too), neon_http_query, neon_http_transaction,
 * neon_http_statement, neon_ws_connection.
 */

/** The counters now. */
export async function readCounters(statsUrl: string): Promise<Record<string, number>> {
  const res = await fetch(statsUrl, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${statsUrl}: HTTP ${res.status}`);
  return (await res.json()) as Record<string, number>;
}

/** Sets every counter to zero. */
export async function resetCounters(statsUrl: string): Promise<void> {
  const res = await fetch(`${statsUrl}/reset`, { method: "POST", signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`POST ${statsUrl}/reset: HTTP ${res.status}`);
}

/** Every counter divided by the number of MCP requests that caused it. */
export function perRequest(counters: Record<string, number>, requests: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, n] of Object.entries(counters)) out[kind] = requests > 0 ? n / requests : 0;
  return out;
}

/** The round trips that matter, per MCP request: HTTP requests to Redis and to Neon, and what they carried. */
interface UpstreamSummary {
  redisHttp: number;
  redisCommands: number;
  neonHttp: number;
  neonStatements: number;
}

/** Folds the raw counters (per request) into {@link UpstreamSummary}. */
export function summarize(upstream: Record<string, number>): UpstreamSummary {
  const n = (kind: string): number => upstream[kind] ?? 0;
  return {
    redisHttp: n("upstash_request"),
    redisCommands: n("upstash_command"),
    neonHttp: n("neon_http_query") + n("neon_http_transaction"),
    neonStatements: n("neon_http_statement"),
  };
}
