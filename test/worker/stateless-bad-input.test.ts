// Malformed 2026-07-28 requests: each gets its documented status and JSON-RPC code, none a 5xx, none reaches a tool.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, MCP_URL, post, type TestTenant } from "./support/fixtures.ts";
import { envelope, STATELESS, statelessMessage, postStateless } from "./support/stateless.ts";

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("enterprise");
});

interface Case {
  name: string;
  request: () => Promise<Response>;
  status: number;
  /** JSON-RPC error code expected in the body. */
  code?: number;
  /** For 200 replies carrying a tool result: it must be an error result. */
  toolError?: true;
}

const auth = (): Record<string, string> => ({ authorization: `Bearer ${tenant.apiKey}` });
const call = (params: Record<string, unknown>): Promise<Response> =>
  postStateless(statelessMessage("tools/call", params, { id: 9 }), auth());
const headersOf = (method: string): Record<string, string> => ({
  ...auth(),
  "mcp-protocol-version": STATELESS,
  "mcp-method": method,
});
const MiB = 1024 * 1024;

const cases: Case[] = [
  {
    name: "disallowed Origin",
    request: () => postStateless(statelessMessage("tools/list"), { ...auth(), origin: "https://evil.example" }),
    status: 403,
  },
  {
    name: "text/plain body",
    request: () => postStateless(statelessMessage("tools/list"), { ...auth(), "content-type": "text/plain" }),
    status: 415,
  },
  {
    name: "Accept without text/event-stream",
    request: () => postStateless(statelessMessage("tools/list"), { ...auth(), accept: "application/json" }),
    status: 406,
  },
  {
    name: "declared body over 1 MiB",
    request: () => postStateless(statelessMessage("tools/list", { pad: "x".repeat(MiB) }), auth()),
    status: 413,
  },
  { name: "invalid JSON", request: () => post("{not json", headersOf("tools/list")), status: 400, code: -32700 },
  {
    name: "JSON-RPC batch of stateless requests",
    request: () =>
      post(
        [statelessMessage("tools/list", {}, { id: 1 }), statelessMessage("tools/list", {}, { id: 2 })],
        headersOf("tools/list"),
      ),
    status: 400,
    code: -32600,
  },
  {
    name: "envelope without clientCapabilities",
    request: () => {
      const { "io.modelcontextprotocol/clientCapabilities": _dropped, ...meta } = envelope();
      return post({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta } }, headersOf("tools/list"));
    },
    status: 400,
    code: -32602,
  },
  {
    name: "envelope with a non-string protocol version",
    request: () =>
      post(
        {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/list",
          params: { _meta: { ...envelope(), "io.modelcontextprotocol/protocolVersion": 42 } },
        },
        headersOf("tools/list"),
      ),
    status: 400,
    code: -32602,
  },
  {
    name: "unsupported revision",
    request: () => postStateless(statelessMessage("tools/list", {}, { version: "2030-01-01" }), auth()),
    status: 400,
    code: -32022,
  },
  {
    name: "Mcp-Method disagreeing with the body",
    request: () => postStateless(statelessMessage("tools/list"), { ...auth(), "mcp-method": "prompts/list" }),
    status: 400,
    code: -32020,
  },
  {
    name: "unknown method",
    request: () => postStateless(statelessMessage("tools/explode"), auth()),
    status: 404,
    code: -32601,
  },
  { name: "tools/call without a name", request: () => call({ arguments: {} }), status: 200, code: -32602 },
  {
    name: "tools/call of an unknown tool",
    request: () => call({ name: "no_such_tool", arguments: {} }),
    status: 200,
    code: -32602,
  },
  {
    name: "tools/call with arguments that are not an object",
    request: () => call({ name: "get_document", arguments: [1] }),
    status: 200,
    code: -32602,
  },
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
  {
    name: "resources/read without a uri",
    request: () => postStateless(statelessMessage("resources/read", {}), auth()),
    status: 200,
    code: -32602,
  },
  {
    name: "prompts/get without a name",
    request: () => postStateless(statelessMessage("prompts/get", { arguments: {} }), auth()),
    status: 200,
    code: -32602,
  },
  {
    name: "prompts/get with non-string arguments",
    request: () =>
      postStateless(
        statelessMessage("prompts/get", { name: "summarize_workspace", arguments: { workspace_id: 1 } }),
        auth(),
      ),
    status: 200,
    code: -32602,
  },
  {
    name: "PUT",
    request: () => SELF.fetch(MCP_URL, { method: "PUT", headers: { ...auth(), "mcp-protocol-version": STATELESS } }),
    status: 405,
  },
];

describe("malformed stateless requests", () => {
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
