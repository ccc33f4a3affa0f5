// The 2026-07-28 lane's protocol surface, raw: discover, per-request versions, standard headers, result metadata,
// GET/DELETE, sessions ignored, and error bodies shared with the session lane.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  createTenant,
  initializeMessage,
  MCP_URL,
  post,
  type TestTenant,
  dropCachedKey,
} from "./support/fixtures.ts";
import { connectStatelessClient, STATELESS, statelessMessage, postStateless, replyOf } from "./support/stateless.ts";

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("pro");
});
const auth = (): Record<string, string> => ({ authorization: `Bearer ${tenant.apiKey}` });
const SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";

describe("server/discover", () => {
  it("names the served revision, the tenant's capabilities and the server, cacheable privately", async () => {
    const res = await postStateless(statelessMessage("server/discover", {}, { id: 7 }), auth());
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, any>>();
    expect(body.id).toBe(7);
    expect(body.result).toMatchObject({
      supportedVersions: [STATELESS],
      capabilities: { tools: {}, resources: {}, prompts: {} },
      resultType: "complete",
      cacheScope: "private",
      _meta: { [SERVER_INFO_KEY]: { name: "tenant-mcp", version: expect.any(String) } },
    });
    expect(body.result.ttlMs).toBeGreaterThan(0);
  });

  it("a v2 client in auto mode settles on the stateless era from the probe", async () => {
    const { client, transport } = await connectStatelessClient(tenant.apiKey, { negotiation: "auto" });
    expect(client.getProtocolEra()).toBe("modern");
    expect(client.getNegotiatedProtocolVersion()).toBe(STATELESS);
    expect(client.getServerVersion()?.name).toBe("tenant-mcp");
    expect(transport.sessionId).toBeUndefined();
  });
});

describe("per-request protocol version", () => {
  it("an unsupported revision is 400 -32022 listing the served versions and echoing the requested one", async () => {
    const res = await postStateless(statelessMessage("tools/list", {}, { id: 3, version: "2099-01-01" }), auth());
    expect(res.status).toBe(400);
    const body = await res.json<Record<string, any>>();
    expect(body).toMatchObject({
      id: 3,
      error: { code: -32022, data: { supported: [STATELESS], requested: "2099-01-01" } },
    });
  });

  it("a header that disagrees with the envelope is 400 -32020 (header mismatch)", async () => {
    const res = await postStateless(statelessMessage("tools/list"), {
      ...auth(),
      "mcp-protocol-version": "2099-01-01",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32020 } });
  });

  it("a stateless header without the envelope is 400 -32602", async () => {
    const res = await post(
      { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} },
      { ...auth(), "mcp-protocol-version": STATELESS, "mcp-method": "tools/list" },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32602 } });
  });
});

describe("Mcp-Method and Mcp-Name headers", () => {
  const call = (): ReturnType<typeof statelessMessage> =>
    statelessMessage("tools/call", { name: "list_workspaces", arguments: {} });
  it.each([
    ["Mcp-Method missing", { "mcp-method": undefined }],
    ["Mcp-Method naming another method", { "mcp-method": "tools/list" }],
    ["Mcp-Name missing", { "mcp-name": undefined }],
    ["Mcp-Name naming another tool", { "mcp-name": "get_document" }],
    ["MCP-Protocol-Version missing", { "mcp-protocol-version": undefined }],
  ])("%s -> 400 -32020, before any tool runs", async (_name, headers) => {
    const res = await postStateless(call(), { ...auth(), ...headers });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32020 } });
  });

  it("matching headers are served", async () => {
    const res = await postStateless(call(), auth());
    expect(res.status).toBe(200);
  });
});

describe("results", () => {
  it("carry resultType and the server's identity in _meta; lists carry ttlMs and cacheScope private", async () => {
    const list = await replyOf(await postStateless(statelessMessage("tools/list"), auth()));
    expect(list.result).toMatchObject({
      resultType: "complete",
      cacheScope: "private",
      _meta: { [SERVER_INFO_KEY]: { name: "tenant-mcp" } },
    });
    expect(list.result.ttlMs).toBeGreaterThan(0);
    for (const method of ["prompts/list", "resources/templates/list", "resources/list"]) {
      const reply = await replyOf(await postStateless(statelessMessage(method), auth()));
      expect(reply.result, method).toMatchObject({ resultType: "complete", cacheScope: "private" });
      expect(typeof reply.result.ttlMs, method).toBe("number");
    }
    const call = await replyOf(
      await postStateless(statelessMessage("tools/call", { name: "list_workspaces", arguments: {} }), auth()),
    );
    expect(call.result).toMatchObject({ resultType: "complete", _meta: { [SERVER_INFO_KEY]: { name: "tenant-mcp" } } });
    expect(call.result.structuredContent.workspaces[0].id).toBe(tenant.workspaceId);
  });

  it("progress notifications ride the call's own response (upgraded to SSE), then the result", async () => {
    const enterprise = await createTenant("enterprise");
    const { client } = await connectStatelessClient(enterprise.apiKey);
    const progress: { progress: number; total?: number }[] = [];
    const result = await client.callTool(
      { name: "export_workspace", arguments: { workspace_id: enterprise.workspaceId } },
      { onprogress: (p) => progress.push(p) },
    );
    expect(result.isError).toBeFalsy();
    expect(progress).toEqual([expect.objectContaining({ progress: 3, total: 3 })]);
  });

  it("methods the revision removed, and unknown ones, are 404 -32601 with the request id", async () => {
    for (const method of ["initialize", "ping", "logging/setLevel", "no/such"]) {
      const res = await postStateless(statelessMessage(method, {}, { id: 41 }), auth());
      expect(res.status, method).toBe(404);
      expect(await res.json(), method).toMatchObject({ id: 41, error: { code: -32601 } });
    }
  });
});

describe("no sessions", () => {
  it("Mcp-Session-Id is ignored: any value, or none, gets the same answer and no session is minted", async () => {
    const without = await postStateless(statelessMessage("tools/list"), auth());
    const withBogus = await postStateless(statelessMessage("tools/list"), {
      ...auth(),
      "mcp-session-id": "Z".repeat(32),
    });
    expect(withBogus.status).toBe(200);
    expect(withBogus.headers.get("mcp-session-id")).toBeNull();
    expect((await replyOf(withBogus)).result.tools).toEqual((await replyOf(without)).result.tools);
  });

  it("GET and DELETE naming the stateless revision are 405 with Allow: POST, before authentication", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await SELF.fetch(MCP_URL, { method, headers: { "mcp-protocol-version": STATELESS } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow"), method).toBe("POST");
    }
  });

  it("a DELETE carrying Mcp-Session-Id is still a session termination", async () => {
    const res = await SELF.fetch(MCP_URL, {
      method: "DELETE",
      headers: { ...auth(), "mcp-protocol-version": STATELESS, "mcp-session-id": "B".repeat(32) },
    });
    expect(res.status).toBe(404);
  });
});

describe("failures before the lane look the same in both lanes", () => {
  const stateless = (headers: Record<string, string>): Promise<Response> =>
    postStateless(statelessMessage("tools/list"), headers);
  const session = (headers: Record<string, string>): Promise<Response> => post(initializeMessage(), headers);
  const outcome = async (res: Response): Promise<string> =>
    `${res.status} ${res.headers.get("www-authenticate")} ${res.headers.get("retry-after") !== null} ${await res.text()}`;

  it("401 for a bad key", async () => {
    const bad = { authorization: "Bearer tmcp_nope" };
    const m = await outcome(await stateless(bad));
    expect(m).toMatch(/^401 Bearer /);
    expect(m).toBe(await outcome(await session(bad)));
  });

  it("403 for a suspended tenant", async () => {
    const suspended = await createTenant("free");
    await admin`update public.tenants set status = 'suspended' where id = ${suspended.id}`;
    await dropCachedKey(suspended.keyId);
    const headers = { authorization: `Bearer ${suspended.apiKey}` };
    const m = await outcome(await stateless(headers));
    expect(m).toMatch(/^403 /);
    expect(m).toBe(await outcome(await session(headers)));
  });

  it("429 when over the limit", async () => {
    const limited = await createTenant("free", { rateLimitPerMinute: 1 });
    const headers = { authorization: `Bearer ${limited.apiKey}` };
    expect((await stateless(headers)).status).toBe(200);
    const m = await outcome(await stateless(headers));
    expect(m).toMatch(/^429 null true /);
    expect(m).toBe(await outcome(await session(headers)));
  });

  it("a request without a body envelope but with an unknown session version header stays in the session lane", async () => {
    const res = await post(
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { ...auth(), "mcp-protocol-version": "1900-01-01" },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32600 } });
    // And the envelope alone, without any header, is a stateless request missing its headers.
    const bare = await post(statelessMessage("tools/list"), auth());
    expect(bare.status).toBe(400);
    expect(await bare.json()).toMatchObject({ error: { code: -32020 } });
  });
});

describe("parity with the session lane's extras", () => {
  let fixtures: TestTenant;
  beforeAll(async () => {
    fixtures = await createTenant("free", { featuresAdd: ["conformance_fixtures"] });
  });
  const call = (meta: Record<string, unknown> = {}): ReturnType<typeof statelessMessage> =>
    statelessMessage("tools/call", { name: "test_tool_with_logging", arguments: {}, _meta: meta });
  const frames = async (res: Response): Promise<Record<string, any>[]> =>
    (await res.text())
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => JSON.parse(l.slice(5)));

  it("sends log messages only to a request whose _meta names a level, at or above it", async () => {
    const headers = { authorization: `Bearer ${fixtures.apiKey}` };
    const quiet = await postStateless(call(), headers);
    expect(quiet.headers.get("content-type")).toContain("application/json");
    expect((await quiet.json<Record<string, any>>()).result.isError).toBeFalsy();
    const loud = await postStateless(call({ "io.modelcontextprotocol/logLevel": "info" }), headers);
    const messages = (await frames(loud)).filter((f) => f.method === "notifications/message");
    expect(messages.map((m) => m.params.data)).toEqual([
      "Tool execution started",
      "Tool processing data",
      "Tool execution completed",
    ]);
    const above = await postStateless(call({ "io.modelcontextprotocol/logLevel": "error" }), headers);
    expect(above.headers.get("content-type")).toContain("application/json");
    expect((await above.json<Record<string, any>>()).result.isError).toBeFalsy();
  });

  it("completes prompt arguments", async () => {
    const res = await postStateless(
      statelessMessage("completion/complete", {
        ref: { type: "ref/prompt", name: "test_prompt_with_arguments" },
        argument: { name: "arg1", value: "" },
      }),
      { authorization: `Bearer ${fixtures.apiKey}` },
    );
    const reply = await replyOf(res);
    expect(reply.result.completion.values.length).toBeGreaterThan(0);
    const plain = await replyOf(await postStateless(statelessMessage("server/discover"), auth()));
    expect(plain.result.capabilities).not.toHaveProperty("completions");
  });
});
