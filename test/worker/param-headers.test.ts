// MCP 2026-07-28 custom headers (SEP-2243): tools mark `workspace_id` with `x-mcp-header: Workspace`; a stateless call
// must mirror it into `Mcp-Param-Workspace`, and a header that disagrees with the body, is missing, or is malformed
// Base64 is refused with 400 / -32020 before the tool runs. The session lane knows no such headers.
import { beforeAll, describe, expect, it } from "vitest";
import { findTool } from "../../src/tools/registry.ts";
import { logLines } from "./admin-support.ts";
import { createTenant, initializeMessage, post, type TestTenant } from "./support/fixtures.ts";
import { connectStatelessClient, postStateless, replyOf, statelessMessage } from "./support/stateless.ts";

let tenant: TestTenant;
let other: TestTenant;
beforeAll(async () => {
  [tenant, other] = await Promise.all([createTenant("enterprise"), createTenant("enterprise")]);
});

const b64 = (text: string): string => `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(text)))}?=`;

/** A stateless list_documents of `workspace` with exactly `headers` for Mcp-Param-Workspace (null: none sent). */
function listDocuments(workspace: string, header: string | null, apiKey = tenant.apiKey): Promise<Response> {
  return postStateless(
    statelessMessage("tools/call", { name: "list_documents", arguments: { workspace_id: workspace } }),
    {
      authorization: `Bearer ${apiKey}`,
      "mcp-param-workspace": header ?? undefined,
    },
  );
}

describe("Mcp-Param-Workspace (SEP-2243)", () => {
  it("every tool that takes a workspace_id declares it as x-mcp-header Workspace", () => {
    for (const name of [
      "list_documents",
      "create_document",
      "search_documents",
      "workspace_stats",
      "export_workspace",
    ]) {
      const input = findTool(name)!.listing(false).inputSchema as {
        properties: Record<string, Record<string, unknown>>;
      };
      expect(input.properties.workspace_id?.["x-mcp-header"], name).toBe("Workspace");
    }
  });

  it("a header equal to the argument, plain or in Base64, is served", async () => {
    for (const header of [tenant.workspaceId, b64(tenant.workspaceId)]) {
      const res = await listDocuments(tenant.workspaceId, header);
      expect(res.status, header).toBe(200);
      const reply = await replyOf(res);
      expect(reply.result?.isError, header).toBeFalsy();
      expect(reply.result.structuredContent.documents.length).toBe(tenant.documentIds.length);
    }
  });

  it("refuses with 400 / -32020 a header that is missing, names another workspace, or is malformed Base64", async () => {
    const cases: Array<[string, string | null]> = [
      ["missing", null],
      // An attacker's gateway routing by header: the header names another tenant's workspace, the body its own.
      ["another tenant's workspace", other.workspaceId],
      ["Base64 of the wrong length", `=?base64?${btoa(tenant.workspaceId).slice(0, -1)}?=`],
      ["non-alphabet characters", "=?base64?SGVs!!!bG8=?="],
      ["different case", tenant.workspaceId.toUpperCase()],
    ];
    for (const [what, header] of cases) {
      const res = await listDocuments(tenant.workspaceId, header);
      expect(res.status, what).toBe(400);
      const body = await res.json<Record<string, any>>();
      expect(body, what).toMatchObject({
        id: 1,
        error: { code: -32020, data: { mismatch: { header: "Mcp-Param-Workspace" } } },
      });
      // The message names the header and the argument, never the value.
      expect(body.error.message, what).not.toContain(tenant.workspaceId);
    }
  });

  it("a value without the full Base64 wrapper is taken literally, and must then equal the argument", async () => {
    const wrapped = b64(tenant.workspaceId);
    const res = await listDocuments(tenant.workspaceId, wrapped.slice(0, -2));
    expect(res.status).toBe(400);
  });

  it("an argument left out needs no header, and a header without its argument is ignored", async () => {
    for (const headers of [{}, { "mcp-param-workspace": other.workspaceId }]) {
      const res = await postStateless(
        statelessMessage("tools/call", { name: "search_documents", arguments: { query: "anything" } }),
        { authorization: `Bearer ${tenant.apiKey}`, ...headers },
      );
      expect(res.status).toBe(200);
      expect((await replyOf(res)).result?.isError).toBeFalsy();
    }
  });

  it("another tenant's workspace in both header and body reaches the tool, which finds nothing of it", async () => {
    const res = await listDocuments(other.workspaceId, other.workspaceId);
    expect(res.status).toBe(200);
    const reply = await replyOf(res);
    expect(reply.result.isError).toBe(true);
    expect(JSON.stringify(reply)).not.toContain(other.documentIds[0]);
  });

  it("puts the checked workspace into the request's log line", async () => {
    const lines = await logLines(() => listDocuments(tenant.workspaceId, tenant.workspaceId));
    const request = lines.find((l) => l.msg === "request");
    expect(request).toMatchObject({ "gen_ai.tool.name": "list_documents", workspace_id: tenant.workspaceId });
  });

  it("a v2 SDK client mirrors the header by itself, from its first call on", async () => {
    const { client } = await connectStatelessClient(tenant.apiKey);
    const result = await client.callTool({ name: "list_documents", arguments: { workspace_id: tenant.workspaceId } });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { documents: unknown[] }).documents.length).toBe(tenant.documentIds.length);
    await client.close();
  });

  it("the session lane needs no such header", async () => {
    const init = await post(initializeMessage(), { authorization: `Bearer ${tenant.apiKey}` });
    const session = init.headers.get("mcp-session-id") as string;
    await init.body?.cancel();
    const res = await post(
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "list_documents", arguments: { workspace_id: tenant.workspaceId } },
      },
      { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    );
    expect(res.status).toBe(200);
    expect((await replyOf(res)).result?.isError).toBeFalsy();
  });
});
