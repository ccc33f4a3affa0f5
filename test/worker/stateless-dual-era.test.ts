// One Worker, one key, two eras: the v1 client (2025-11-25, sessions) and the v2 client (2026-07-28, stateless) see
// the same tools and get the same results; a dual-era client lands in the right lane.
import { SELF } from "cloudflare:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import { beforeAll, describe, expect, it } from "vitest";
import { sessionKey } from "../../src/redis/keys.ts";
import { connectClient, createTenant, MCP_URL, redis, type TestTenant } from "./support/fixtures.ts";
import { connectStatelessClient, STATELESS } from "./support/stateless.ts";

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("enterprise", {
    documents: ["Quarterly report", "Quarterly budget", "Onboarding checklist"],
  });
});

/** What both eras must agree on in a tool result; `_meta` and `resultType` are the stateless envelope's own. */
const essence = (r: Record<string, unknown>): unknown => ({
  content: r.content,
  structuredContent: r.structuredContent,
  isError: r.isError ?? false,
});

describe("the same key through both SDK generations", () => {
  it("lists the same tools, delete_document included (both lanes can ask the user to confirm)", async () => {
    const { client: v1 } = await connectClient(tenant.apiKey);
    const { client: v2 } = await connectStatelessClient(tenant.apiKey);
    const sessionTools = (await v1.listTools()).tools;
    const statelessTools = (await v2.listTools()).tools;
    expect(sessionTools.map((t) => t.name)).toContain("delete_document");
    expect(JSON.parse(JSON.stringify(statelessTools))).toEqual(JSON.parse(JSON.stringify(sessionTools)));
    await v1.close();
  });

  it("returns the same results for the same calls", async () => {
    const { client: v1 } = await connectClient(tenant.apiKey);
    const { client: v2 } = await connectStatelessClient(tenant.apiKey);
    const calls: [string, Record<string, unknown>][] = [
      ["list_workspaces", {}],
      ["list_documents", { workspace_id: tenant.workspaceId, limit: 2 }],
      ["get_document", { id: tenant.documentIds[1] }],
      ["get_document", { id: crypto.randomUUID() }],
      ["search_documents", { query: "quarterly" }],
      ["workspace_stats", { workspace_id: tenant.workspaceId }],
      ["export_workspace", { workspace_id: tenant.workspaceId, format: "csv" }],
      ["get_document", { id: "not-a-uuid" }],
    ];
    for (const [name, args] of calls) {
      const session = await v1.callTool({ name, arguments: args });
      const stateless = await v2.callTool({ name, arguments: args });
      expect(essence(stateless), name).toEqual(essence(session));
    }

    const prompt = { name: "summarize_workspace", arguments: { workspace_id: tenant.workspaceId } };
    expect((await v2.getPrompt(prompt)).messages).toEqual((await v1.getPrompt(prompt)).messages);
    const uri = `tenant-mcp://documents/${tenant.documentIds[0]}`;
    expect((await v2.readResource({ uri })).contents).toEqual((await v1.readResource({ uri })).contents);
    expect((await v2.listResourceTemplates()).resourceTemplates).toEqual(
      (await v1.listResourceTemplates()).resourceTemplates,
    );
    await v1.close();
  });

  it("a write in one era is visible in the other", async () => {
    const { client: v1 } = await connectClient(tenant.apiKey);
    const { client: v2 } = await connectStatelessClient(tenant.apiKey);
    const created = await v2.callTool({
      name: "create_document",
      arguments: { workspace_id: tenant.workspaceId, title: "Written stateless", body: "x" },
    });
    const id = (created.structuredContent as { document: { id: string } }).document.id;
    const read = await v1.callTool({ name: "get_document", arguments: { id } });
    expect((read.structuredContent as { document: { title: string } }).document.title).toBe("Written stateless");
    await v1.close();
  });
});

describe("a dual-era client", () => {
  it("negotiating automatically, gets the stateless era: no initialize, no session", async () => {
    const { client, transport } = await connectStatelessClient(tenant.apiKey, { negotiation: "auto" });
    expect(client.getProtocolEra()).toBe("modern");
    expect(transport.sessionId).toBeUndefined();
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("delete_document");
  });

  it("speaking 2025 (initialize), still gets a Redis session of its tenant", async () => {
    const { client, transport } = await connectStatelessClient(tenant.apiKey, { negotiation: "legacy" });
    expect(client.getProtocolEra()).toBe("legacy");
    const sessionId = transport.sessionId;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await redis.exists(sessionKey(tenant.id, sessionId!))).toBe(1);
    const tools = await client.listTools();
    // The session lane asks for the confirmation by elicitation on the call's stream (src/mcp/client-requests/).
    expect(tools.tools.map((t) => t.name)).toContain("delete_document");
    await client.close();
  });

  it("falls back to initialize when the probe gets a session server's answer, and is served by the session lane", async () => {
    const methods: string[] = [];
    // In front of the Worker, a stand-in for an old deployment's answer to the probe: the v1 SDK's "not initialized".
    const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
      fetch: async (url, init) => {
        const body = init?.body ? (JSON.parse(String(init.body)) as { method?: string }) : {};
        if (body.method) methods.push(body.method);
        if (body.method === "server/discover") {
          return Response.json(
            { jsonrpc: "2.0", error: { code: -32000, message: "Bad Request: Server not initialized" }, id: null },
            { status: 400 },
          );
        }
        return SELF.fetch(String(url), init as RequestInit);
      },
      requestInit: { headers: { authorization: `Bearer ${tenant.apiKey}` } },
    });
    const client = new Client(
      { name: "fallback", version: "1" },
      { versionNegotiation: { mode: "auto" }, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe("legacy");
    expect(methods.slice(0, 2)).toEqual(["server/discover", "initialize"]);
    expect(transport.sessionId).toBeTruthy();
    expect((await client.callTool({ name: "list_workspaces", arguments: {} })).isError).toBeFalsy();
    await client.close();
  });

  it("a v2 client pinned to 2026-07-28 negotiates it with the probe", async () => {
    const { client } = await connectStatelessClient(tenant.apiKey, { negotiation: "modern" });
    expect(client.getNegotiatedProtocolVersion()).toBe(STATELESS);
  });
});
