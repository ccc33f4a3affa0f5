import type { RequestContext } from "../context.ts";

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` is version-traceid-parentid-flags in lower
 * hex; an all-zero trace or parent id is invalid. `tracestate` is up to 32 comma-separated `key=value` members of
 * printable ASCII; kept only when short and plain, since it goes into the log line as sent.
 */
const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACESTATE = /^[\x21-\x7e](?:[\x20-\x7e]{0,510}[\x21-\x7e])?$/;

/** The MCP 2026-07-28 envelope key that carries the request's protocol revision. */
const ENVELOPE_VERSION = "io.modelcontextprotocol/protocolVersion";
/** Revision strings as MCP writes them (a date), kept as sent only when they look like one. */
const REVISION = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Notes what the request's message says about itself in the request's log fields: its JSON-RPC id, the MCP revision it
 * speaks and the trace context its client sent in `params._meta` (MCP carries W3C trace context there). Never
 * arguments or results. Plain values only: a client cannot put control characters or long text into the line.
 */
export function noteMessage(rc: Pick<RequestContext, "fields">, request: Request, message: unknown): void {
  if (typeof message !== "object" || message === null) return;
  const m = message as { id?: unknown; method?: unknown; params?: { protocolVersion?: unknown; _meta?: unknown } };
  if (
    (typeof m.id === "string" && /^[\x20-\x7e]{1,64}$/.test(m.id)) ||
    (typeof m.id === "number" && Number.isFinite(m.id))
  )
    rc.fields.jsonrpc_id = m.id;
  const meta =
    typeof m.params?._meta === "object" && m.params._meta !== null ? (m.params._meta as Record<string, unknown>) : {};
  const version =
    meta[ENVELOPE_VERSION] ??
    (m.method === "initialize" ? m.params?.protocolVersion : undefined) ??
    request.headers.get("mcp-protocol-version");
  if (typeof version === "string" && REVISION.test(version)) rc.fields.protocol_version = version;
  if (typeof meta.traceparent === "string" && TRACEPARENT.test(meta.traceparent)) {
    rc.fields.traceparent = meta.traceparent;
    if (typeof meta.tracestate === "string" && TRACESTATE.test(meta.tracestate)) rc.fields.tracestate = meta.tracestate;
  }
}

/**
 * The request's log fields under the OpenTelemetry semantic convention names for MCP (`mcp.method.name`,
 * `gen_ai.tool.name`, `mcp.session.id`, `jsonrpc.request.id`, `mcp.protocol.version`, `error.type`) and `tenant.id`;
 * the fields no convention names keep their own (`key_id`, `lane`, `grant_id`, `subject`, `traceparent`,
 * `tracestate`). `gen_ai.tool.name` only for `tools/call` (a prompt or resource is not a tool).
 */
export function conventionFields(fields: RequestContext["fields"]): Record<string, unknown> {
  const { tenant_id, session_id, method, tool, jsonrpc_id, protocol_version, error_type, ...rest } = fields;
  const out: Record<string, unknown> = {};
  if (method !== undefined) out["mcp.method.name"] = method;
  if (method === "tools/call" && tool !== undefined) out["gen_ai.tool.name"] = tool;
  if (session_id !== undefined) out["mcp.session.id"] = session_id;
  if (jsonrpc_id !== undefined) out["jsonrpc.request.id"] = String(jsonrpc_id);
  if (protocol_version !== undefined) out["mcp.protocol.version"] = protocol_version;
  if (error_type !== undefined) out["error.type"] = error_type;
  if (tenant_id !== undefined) out["tenant.id"] = tenant_id;
  return { ...out, ...rest };
}
