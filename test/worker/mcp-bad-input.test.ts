// Malformed requests: each gets its documented status and JSON-RPC code, none a 5xx, none reaches a tool.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, initializeMessage, MCP_URL, openSession, post, type TestTenant } from "./support/fixtures.ts";

let tenant: TestTenant;
let session: string;
beforeAll(async () => {
  tenant = await createTenant("enterprise");
  session = await openSession(tenant.apiKey);
});

interface Case {
  name: string;
  request: () => Promise<Response>;
  status: number;
  /** JSON-RPC error code expected in the body (HTTP-level error or JSON-RPC error response). */
  code?: number;
  /** For 200 replies carrying a tool result: it must be an error result. */
  toolError?: true;
}

const auth = (): Record<string, string> => ({ authorization: `Bearer ${tenant.apiKey}` });
const inSession = (): Record<string, string> => ({ ...auth(), "mcp-session-id": session });
const call = (params: unknown): Promise<Response> =>
  post({ jsonrpc: "2.0", id: 9, method: "tools/call", params }, inSession());
const MiB = 1024 * 1024;

const cases: Case[] = [
  {
    name: "disallowed Origin",
    request: () => post(initializeMessage(), { ...auth(), origin: "https://evil.example" }),
    status: 403,
  },
  {
    name: "text/plain body",
    request: () => post(initializeMessage(), { ...auth(), "content-type": "text/plain" }),
    status: 415,
  },
  {
    name: "Accept without text/event-stream",
    request: () => post(initializeMessage(), { ...auth(), accept: "application/json" }),
    status: 406,
  },
  {
    name: "declared body over 1 MiB",
    request: () =>
      post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(MiB) } }), auth()),
    status: 413,
  },
  {
    name: "chunked body over 1 MiB (no Content-Length)",
    request: () => {
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 20) controller.enqueue(chunk);
          else controller.close();
        },
      });
      return SELF.fetch(MCP_URL, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/json", accept: "application/json, text/event-stream" },
        body,
        // @ts-expect-error: workerd needs duplex for a streamed request body
        duplex: "half",
      });
    },
    status: 413,
  },
  { name: "invalid JSON", request: () => post("{not json", auth()), status: 400, code: -32700 },
  {
    name: "JSON-RPC batch",
    request: () => post([initializeMessage(1), initializeMessage(2)], auth()),
    status: 400,
    code: -32600,
  },
  { name: "not a JSON-RPC message", request: () => post({ hello: "world" }, auth()), status: 400, code: -32600 },
  {
    name: "wrong jsonrpc version",
    request: () => post({ jsonrpc: "1.0", id: 1, method: "ping" }, auth()),
    status: 400,
    code: -32600,
  },
  {
    name: "unsupported MCP-Protocol-Version",
    request: () =>
      post({ jsonrpc: "2.0", id: 1, method: "ping" }, { ...inSession(), "mcp-protocol-version": "1900-01-01" }),
    status: 400,
  },
  {
    name: "initialize without clientInfo",
    request: () =>
      post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25" } }, auth()),
    status: 400,
    code: -32602,
  },
  { name: "PUT", request: () => SELF.fetch(MCP_URL, { method: "PUT", headers: auth() }), status: 405 },
  { name: "unknown path", request: () => SELF.fetch("http://tenant-mcp.test/nope", { headers: auth() }), status: 404 },
  {
    name: "unknown method",
    request: () => post({ jsonrpc: "2.0", id: 3, method: "tools/explode" }, inSession()),
    status: 200,
    code: -32601,
  },
  { name: "tools/call without a name", request: () => call({ arguments: {} }), status: 200, code: -32602 },
  {
    name: "tools/call with wrong argument types",
    request: () => call({ name: "get_document", arguments: { id: 42 } }),
    status: 200,
    toolError: true,
  },
  {
    name: "tools/call with a non-UUID id",
    request: () => call({ name: "get_document", arguments: { id: "1' or '1'='1" } }),
    status: 200,
    toolError: true,
  },
  {
    name: "tools/call with unknown extra arguments only",
    request: () => call({ name: "list_documents", arguments: { nope: true } }),
    status: 200,
    toolError: true,
  },
];

describe("malformed requests", () => {
  it.each(cases)("$name -> $status", async ({ request, status, code, toolError }) => {
    const res = await request();
    expect(res.status).toBe(status);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const text = await res.text();
    if (code !== undefined) expect(JSON.parse(text)).toMatchObject({ error: { code } });
    if (toolError) expect(JSON.parse(text)).toMatchObject({ result: { isError: true } });
    // Nothing internal leaks: no SQL, no stack frames.
    expect(text).not.toMatch(/select |insert |\bat .*\.ts:\d+|postgres/i);
  });
});
