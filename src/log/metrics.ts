import type { RequestContext } from "../context.ts";

/**
 * One Workers Analytics Engine data point per request (binding MCP_METRICS), indexed by tenant id, so per-tenant
 * queries sample fairly (docs/telemetry.md has example queries). Layout, which queries depend on (append, never
 * reorder):
 *
 * - index1: tenant id (`-` before a tenant is known, e.g. a refused credential)
 * - blob1: MCP method (`mcp.method.name`), blob2: tool (`gen_ai.tool.name`, tools/call only), blob3: lane,
 *   blob4: `error.type` (empty when none), blob5: HTTP method, blob6: path, blob7: MCP revision
 * - double1: duration in ms, double2: HTTP status
 *
 * Never arguments, results or credentials. Writing is fire-and-forget (the runtime batches it); a failure is logged
 * and costs the request nothing.
 */
export function recordRequestMetrics(
  rc: Pick<RequestContext, "metrics" | "fields" | "log">,
  request: Request,
  status: number,
  ms: number,
): void {
  if (!rc.metrics) return;
  const f = rc.fields;
  try {
    rc.metrics.writeDataPoint({
      indexes: [f.tenant_id ?? "-"],
      blobs: [
        f.method ?? "",
        f.method === "tools/call" ? (f.tool ?? "") : "",
        f.lane ?? "",
        f.error_type ?? "",
        request.method,
        new URL(request.url).pathname.slice(0, 64),
        f.protocol_version ?? "",
      ],
      doubles: [ms, status],
    });
  } catch (err) {
    rc.log.warn("metrics data point not written", { error: err instanceof Error ? err : String(err) });
  }
}
