// Telemetry: each request's log line carries the OpenTelemetry MCP semantic convention names, the client's trace
// context from params._meta, and never arguments or results; one Analytics Engine data point per request, indexed by
// tenant id. The snapshot holds one line per method kind, with the values that change per run replaced.
import { describe, expect, it } from "vitest";
import { adminTenant, fetchSettled, logLines } from "./admin-support.ts";
import { MCP_URL } from "./support/fixtures.ts";
import { statelessMessage } from "./support/stateless.ts";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
const SECRET_ARGUMENT = "argument-that-must-not-be-logged";

type Point = { indexes: string[]; blobs: string[]; doubles: number[] };

/** POSTs a message to /mcp with `headers`, settled, through a fake MCP_METRICS that keeps its data points. */
async function send(
  apiKey: string,
  message: unknown,
  headers: Record<string, string>,
  points: Point[],
  method = "POST",
): Promise<Response> {
  const metrics = { writeDataPoint: (p: Point) => void points.push(p) };
  return fetchSettled(
    MCP_URL,
    {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      ...(method === "POST" ? { body: JSON.stringify(message) } : {}),
    },
    { MCP_METRICS: metrics as never },
  );
}

/** The request line with what changes per run replaced by placeholders. */
function stable(line: Record<string, unknown>, ids: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(line)) {
    if (k === "ts" || k === "request_id" || k === "ms") out[k] = `<${k}>`;
    else if (typeof v === "string" && ids[v]) out[k] = ids[v];
    else out[k] = v;
  }
  return out;
}

describe("request log line and metrics", () => {
  it("carry the convention names for every method kind, trace context from _meta, no arguments or results", async () => {
    const t = await adminTenant("pro");
    const points: Point[] = [];
    const stateless = (method: string, params: Record<string, unknown>, name?: string): Promise<Response> =>
      send(
        t.apiKey,
        statelessMessage(method, params, { id: `req-${method}` }),
        { "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...(name ? { "mcp-name": name } : {}) },
        points,
      );
    let session = "";
    const sessionPost = (message: unknown): Promise<Response> =>
      send(t.apiKey, message, { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" }, points);

    const lines = await logLines(async () => {
      await stateless(
        "tools/call",
        {
          name: "search_documents",
          arguments: { query: SECRET_ARGUMENT },
          _meta: { traceparent: TRACEPARENT, tracestate: TRACESTATE },
        },
        "search_documents",
      );
      await stateless("tools/call", { name: "get_document", arguments: { id: "not-a-uuid" } }, "get_document");
      await stateless("tools/list", {});
      await stateless("resources/read", { uri: "tenant://usage" }, "tenant://usage");
      await stateless("prompts/list", {});
      const init = await send(
        t.apiKey,
        {
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "telemetry", version: "1" } },
        },
        {},
        points,
      );
      session = init.headers.get("mcp-session-id") as string;
      await sessionPost({ jsonrpc: "2.0", method: "notifications/initialized" });
      await sessionPost({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "list_workspaces", arguments: {} },
      });
      await sessionPost({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "no_such_tool", arguments: {} },
      });
      await send(
        t.apiKey,
        undefined,
        { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
        points,
        "DELETE",
      );
      await send(
        "tmcp_aaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        { jsonrpc: "2.0", id: 9, method: "tools/list" },
        {},
        points,
      );
    });
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests).toHaveLength(11);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(SECRET_ARGUMENT);
    expect(text).not.toContain("Document not found");

    const ids = { [t.id]: "<tenant>", [t.keyId]: "<key>", [session]: "<session>" };
    const snapshot = requests.map((l) => stable(l, ids));
    await expect(`${JSON.stringify(snapshot, null, 2)}\n`).toMatchFileSnapshot("./snapshots/log-lines.json");

    // One data point per request, indexed by the tenant (or "-" before one is known); no argument in any.
    expect(points).toHaveLength(11);
    expect(points.slice(0, 10).every((p) => p.indexes[0] === t.id)).toBe(true);
    expect(points[10]?.indexes).toEqual(["-"]);
    expect(points[0]).toEqual({
      indexes: [t.id],
      blobs: ["tools/call", "search_documents", "stateless", "", "POST", "/mcp", "2026-07-28"],
      doubles: [expect.any(Number), 200],
    });
    expect(points[1]?.blobs[3]).toBe("tool_error");
    expect(JSON.stringify(points)).not.toContain(SECRET_ARGUMENT);
  });

  it("drops trace context that is not W3C trace context", async () => {
    const t = await adminTenant("free");
    const lines = await logLines(() =>
      send(
        t.apiKey,
        statelessMessage("tools/list", {
          _meta: { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01\nfake", tracestate: "x=1" },
        }),
        { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" },
        [],
      ),
    );
    const line = lines.find((l) => l.msg === "request");
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty("traceparent");
    expect(line).not.toHaveProperty("tracestate");
  });
});
