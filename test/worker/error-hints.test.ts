// Every error a person is likely to meet while wiring up a client says what to do next, in both protocol lanes, without
// changing a status code (the v2 client decides its fallback by status) and without telling one tenant about another.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import {
  connectClient,
  createTenant,
  initializeMessage,
  MCP_URL,
  openSession,
  post,
  type TestTenant,
} from "./support/fixtures.ts";
import { STATELESS, statelessMessage, postStateless, replyOf } from "./support/stateless.ts";

let free: TestTenant;
beforeAll(async () => {
  free = await createTenant("free");
});
const auth = (): Record<string, string> => ({ authorization: `Bearer ${free.apiKey}` });

async function errorOf(res: Response): Promise<{ code: number; message: string }> {
  return ((await res.json()) as { error: { code: number; message: string } }).error;
}

describe("404 names the endpoint", () => {
  for (const path of ["/mcp/", "/", "/sse", "/messages", "/nope"]) {
    it(`GET ${path}`, async () => {
      const res = await SELF.fetch(`http://tenant-mcp.test${path}`, { headers: auth() });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).message).toMatch(/^Not found: .*\bPOST \/mcp\b/);
    });
  }

  it("/sse says there is no HTTP+SSE transport", async () => {
    const res = await SELF.fetch("http://tenant-mcp.test/sse", { headers: auth() });
    expect((await errorOf(res)).message).toContain("Streamable HTTP");
  });
});

describe("403 for a browser origin names the setting", () => {
  it("in both lanes", async () => {
    const origin = { origin: "https://app.example.com" };
    for (const res of [
      await post(initializeMessage(), { ...auth(), ...origin }),
      await postStateless(statelessMessage("tools/list"), { ...auth(), ...origin }),
    ]) {
      expect(res.status).toBe(403);
      expect((await errorOf(res)).message).toMatch(/^Origin not allowed: .*ALLOWED_ORIGINS/);
    }
  });
});

describe("405 on /mcp says why", () => {
  it("session GET without a session: 400, the stream belongs to a session", async () => {
    const res = await SELF.fetch(MCP_URL, { method: "GET", headers: { ...auth(), accept: "text/event-stream" } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/Mcp-Session-Id header is required/);
  });

  it("stateless GET and DELETE: the revision has neither", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await SELF.fetch(MCP_URL, { method, headers: { "mcp-protocol-version": STATELESS } });
      expect(res.status, method).toBe(405);
      expect((await errorOf(res)).message, method).toMatch(/^Method not allowed: .*2026-07-28.*POST/);
    }
  });

  it("another method: names the ones that work", async () => {
    const res = await SELF.fetch(MCP_URL, { method: "PUT", headers: auth() });
    expect(res.status).toBe(405);
    expect((await errorOf(res)).message).toMatch(/^Method not allowed: .*POST.*DELETE/);
  });
});

describe("Session not found says to initialize again", () => {
  it("on POST and on DELETE, with the status and code clients act on", async () => {
    const posted = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { ...auth(), "mcp-session-id": "A".repeat(32) },
    );
    const deleted = await SELF.fetch(MCP_URL, {
      method: "DELETE",
      headers: { ...auth(), "mcp-session-id": "A".repeat(32) },
    });
    for (const res of [posted, deleted]) {
      expect(res.status).toBe(404);
      const error = await errorOf(res);
      expect(error.code).toBe(-32001);
      expect(error.message).toMatch(/^Session not found: .*initialize/);
    }
  });
});

describe("an unsupported protocol version lists the supported ones", () => {
  it("session lane: 400 naming every version this endpoint serves", async () => {
    const res = await post(initializeMessage(), { ...auth(), "mcp-protocol-version": "1999-01-01" });
    expect(res.status).toBe(400);
    const { message } = await errorOf(res);
    expect(message).toMatch(/^Unsupported protocol version: 1999-01-01/);
    for (const v of [...SUPPORTED_PROTOCOL_VERSIONS, STATELESS]) expect(message).toContain(v);
  });
});

describe("a tool outside the tenant's plan", () => {
  // workspace_stats exists (pro and enterprise plans); the other name exists in no plan. One answer for both, so a
  // tenant learns nothing about other plans, and it says what the tenant can do about it.
  const names = ["workspace_stats", "no_such_tool_anywhere"];
  const expected = (name: string): string => `Tool not available to this tenant: ${name}`;

  it("session lane: -32602, the same text whether or not another plan has it, no doubled prefix", async () => {
    const session = await openSession(free.apiKey);
    for (const name of names) {
      const res = await post(
        { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name, arguments: {} } },
        { ...auth(), "mcp-session-id": session },
      );
      expect(res.status, name).toBe(200);
      const { error } = (await res.json()) as { error: { code: number; message: string } };
      expect(error, name).toEqual({ code: -32602, message: expected(name) });
    }
  });

  it("a v1 client shows the code once", async () => {
    const { client } = await connectClient(free.apiKey);
    try {
      const err = await client.callTool({ name: "workspace_stats", arguments: {} }).catch((e: unknown) => e as Error);
      expect((err as Error).message).toBe(`MCP error -32602: ${expected("workspace_stats")}`);
    } finally {
      await client.close();
    }
  });

  it("stateless lane: the same", async () => {
    for (const name of names) {
      const reply = await replyOf(await postStateless(statelessMessage("tools/call", { name, arguments: {} }), auth()));
      expect(reply.error, name).toEqual({ code: -32602, message: expected(name) });
    }
  });

  it("the text names no plan or feature", async () => {
    for (const word of ["free", "pro", "enterprise", "analytics", "plan"]) expect(expected("x")).not.toContain(word);
  });
});

describe("no 'MCP error <code>:' prefix in a session error message", () => {
  it("bad params", async () => {
    const session = await openSession(free.apiKey);
    const res = await post(
      { jsonrpc: "2.0", id: 4, method: "tools/call", params: { nope: 1 } },
      { ...auth(), "mcp-session-id": session },
    );
    const { error } = (await res.json()) as { error: { code: number; message: string } };
    expect(error.code).toBe(-32602);
    expect(error.message).not.toMatch(/MCP error/);
    expect(error.message).toMatch(/^Invalid/);
  });

  it("a prompt or resource that is not there", async () => {
    const session = await openSession(free.apiKey);
    const res = await post(
      { jsonrpc: "2.0", id: 5, method: "resources/read", params: { uri: "tenant://nope/nothing" } },
      { ...auth(), "mcp-session-id": session },
    );
    const { error } = (await res.json()) as { error: { code: number; message: string } };
    expect(error.message).not.toMatch(/MCP error/);
  });
});
