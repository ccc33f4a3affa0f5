// Scopes of API keys, enforced before dispatch in both lanes: a read-only key lists, reads and calls read-only tools,
// and gets 403 insufficient_scope (naming every scope needed) for a tool that changes data; a tool its plan lacks
// stays -32602, never a challenge.
import { beforeAll, describe, expect, it } from "vitest";
import { expandScopes, hasScopes, MCP_READ, MCP_WRITE, scopesForTool } from "../../src/auth/scopes.ts";
import { createKey } from "../../src/control/keys.ts";
import { ControlError } from "../../src/control/errors.ts";
import { keyCacheKey } from "../../src/redis/keys.ts";
import { findTool } from "../../src/tools/registry.ts";
import {
  admin,
  controlDeps,
  createTenant,
  initializeMessage,
  openSession,
  post,
  redis,
  type TestTenant,
  shards,
} from "./support/fixtures.ts";
import { postStateless, replyOf, statelessMessage } from "./support/stateless.ts";

const STEP_UP = 'Bearer error="insufficient_scope", scope="mcp:read mcp:write"';

describe("the scope model", () => {
  it("mcp:write implies mcp:read; unknown scopes grant nothing", () => {
    expect([...expandScopes([MCP_WRITE])].sort()).toEqual([MCP_READ, MCP_WRITE]);
    expect([...expandScopes([MCP_READ])]).toEqual([MCP_READ]);
    expect([...expandScopes(["*", "offline_access", "tools:write"])]).toEqual([]);
    expect(hasScopes({ scopes: [MCP_WRITE] }, [MCP_READ, MCP_WRITE])).toBe(true);
    expect(hasScopes({ scopes: [MCP_READ] }, [MCP_READ, MCP_WRITE])).toBe(false);
    expect(hasScopes({ scopes: ["*"] }, [MCP_READ])).toBe(false);
    expect(hasScopes({ scopes: [] }, [])).toBe(true);
  });

  it("a tool needs what its annotations say: read-only tools mcp:read, every other one both", () => {
    expect(scopesForTool(findTool("list_workspaces")!)).toEqual([MCP_READ]);
    expect(scopesForTool(findTool("export_workspace")!)).toEqual([MCP_READ]);
    for (const name of ["create_document", "update_document", "delete_document", "create_workspace"]) {
      expect(scopesForTool(findTool(name)!), name).toEqual([MCP_READ, MCP_WRITE]);
    }
  });

  it("keys are made with both scopes unless told; the hierarchy is applied; unknown or no scopes are refused", async () => {
    const t = await createTenant("free");
    const stored = async (keyId: string): Promise<string[]> =>
      ((await admin`select scopes from public.api_keys where id = ${keyId}`)[0] as { scopes: string[] }).scopes;
    expect(await stored(t.keyId)).toEqual([MCP_READ, MCP_WRITE]);
    expect((await createKey(controlDeps, t.slug)).scopes).toEqual([MCP_READ, MCP_WRITE]);
    const writeOnly = await createKey(controlDeps, t.slug, { scopes: [MCP_WRITE, MCP_WRITE] });
    expect(await stored(writeOnly.keyId)).toEqual([MCP_READ, MCP_WRITE]);
    const readOnly = await createKey(controlDeps, t.slug, { scopes: [MCP_READ] });
    expect(await stored(readOnly.keyId)).toEqual([MCP_READ]);
    for (const scopes of [["mcp:admin"], [], ["*"]]) {
      await expect(createKey(controlDeps, t.slug, { scopes }), JSON.stringify(scopes)).rejects.toBeInstanceOf(
        ControlError,
      );
    }
    // The database refuses what the control plane would: no scope outside the model, none empty.
    await expect(admin`update public.api_keys set scopes = '{mcp:admin}' where id = ${t.keyId}`).rejects.toThrow();
    await expect(admin`update public.api_keys set scopes = '{}' where id = ${t.keyId}`).rejects.toThrow();
  });
});

describe("a read-only key", () => {
  let tenant: TestTenant;
  let readOnly: string;
  let readWrite: string;
  beforeAll(async () => {
    // pro: has workspace_stats (read-only), lacks export_workspace (enterprise).
    tenant = await createTenant("pro");
    readOnly = (await createKey(controlDeps, tenant.slug, { name: "ro", scopes: [MCP_READ] })).apiKey;
    readWrite = tenant.apiKey;
  });

  const documents = async (): Promise<number> =>
    ((await admin`select count(*)::int as n from public.documents where tenant_id = ${tenant.id}`)[0] as { n: number })
      .n;
  const createArgs = (): Record<string, unknown> => ({
    workspace_id: tenant.workspaceId,
    title: "Written",
    body: "by a key",
  });

  /** One request per lane: the method and params of a JSON-RPC request, sent with `apiKey`. */
  const lanes: Record<string, (apiKey: string, method: string, params?: Record<string, unknown>) => Promise<Response>> =
    {
      session: async (apiKey, method, params = {}) => {
        const session = await openSession(apiKey);
        return post(
          { jsonrpc: "2.0", id: 2, method, params },
          { authorization: `Bearer ${apiKey}`, "mcp-session-id": session },
        );
      },
      stateless: (apiKey, method, params = {}) =>
        postStateless(statelessMessage(method, params), { authorization: `Bearer ${apiKey}` }),
    };

  for (const [lane, send] of Object.entries(lanes)) {
    describe(`${lane} lane`, () => {
      it("lists tools, resources and prompts, reads a resource, and calls read-only tools", async () => {
        for (const [method, params] of [
          ["tools/list", {}],
          ["resources/list", {}],
          ["prompts/list", {}],
          ["resources/read", { uri: `tenant-mcp://documents/${tenant.documentIds[0]}` }],
          ["tools/call", { name: "list_workspaces", arguments: {} }],
          ["tools/call", { name: "workspace_stats", arguments: { workspace_id: tenant.workspaceId } }],
        ] as const) {
          const res = await send(readOnly, method, params);
          expect(res.status, `${method} ${JSON.stringify(params)}`).toBe(200);
          const reply = await replyOf(res);
          expect(reply.error, `${method} ${JSON.stringify(params)}`).toBeUndefined();
          expect(reply.result?.isError, `${method} ${JSON.stringify(params)}`).not.toBe(true);
        }
      });

      it("gets 403 insufficient_scope naming every scope needed for a tool that writes, and nothing is written", async () => {
        const before = await documents();
        // delete_document too, in both lanes: refused before it could ask the user anything.
        for (const name of ["create_document", "update_document", "create_workspace", "delete_document"]) {
          const res = await send(readOnly, "tools/call", { name, arguments: createArgs() });
          expect(res.status, name).toBe(403);
          // An API key has no authorization server to step up at: no resource_metadata.
          expect(res.headers.get("www-authenticate"), name).toBe(STEP_UP);
          expect(await res.json()).toEqual({
            jsonrpc: "2.0",
            error: {
              code: -32000,
              message:
                "Insufficient scope: this request needs mcp:read and mcp:write; use an API key or sign-in that grants it",
            },
            id: null,
          });
        }
        expect(await documents()).toBe(before);
      });

      it("still gets -32602 for a tool its plan lacks, or no tool has: never a challenge", async () => {
        const missing = ["export_workspace", "no_such_tool"];
        for (const name of missing) {
          const res = await send(readOnly, "tools/call", { name, arguments: { workspace_id: tenant.workspaceId } });
          expect(res.status, name).toBe(200);
          expect(res.headers.get("www-authenticate"), name).toBeNull();
          expect((await replyOf(res)).error, name).toMatchObject({
            code: -32602,
            message: `Tool not available to this tenant: ${name}`,
          });
        }
      });

      it("the same tool call works with the tenant's read-write key", async () => {
        const res = await send(readWrite, "tools/call", { name: "create_document", arguments: createArgs() });
        expect(res.status).toBe(200);
        expect((await replyOf(res)).result?.isError).not.toBe(true);
      });
    });
  }

  it("the 403 comes before the session lookup, the lane and the audit log: a bogus session changes nothing", async () => {
    const res = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "create_document", arguments: createArgs() } },
      { authorization: `Bearer ${readOnly}`, "mcp-session-id": "B".repeat(32) },
    );
    expect([res.status, res.headers.get("www-authenticate")]).toEqual([403, STEP_UP]);
  });

  it("initialize and a notification need no more than mcp:read", async () => {
    expect((await post(initializeMessage(), { authorization: `Bearer ${readOnly}` })).status).toBe(200);
    const session = await openSession(readOnly);
    const note = await post(
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { authorization: `Bearer ${readOnly}`, "mcp-session-id": session },
    );
    expect(note.status).toBe(202);
  });

  it("a cached key record from before scopes existed is not trusted: the key's scopes are read again", async () => {
    const key = await createKey(controlDeps, tenant.slug, { name: "ro-cached", scopes: [MCP_READ] });
    // Let the Worker cache the record, then strip its scopes as a Worker of the previous release would have written it.
    expect((await lanes.stateless!(key.apiKey, "tools/list")).status).toBe(200);
    const entry = (await redis.get<{ record: Record<string, unknown> }>(keyCacheKey(key.keyId)))!;
    expect(entry.record.scopes).toEqual([MCP_READ]);
    const { scopes: _dropped, ...old } = entry.record;
    await shards.forKey(key.keyId).set(keyCacheKey(key.keyId), { record: old }, { ex: 60 });
    const res = await lanes.stateless!(key.apiKey, "tools/call", { name: "create_document", arguments: createArgs() });
    expect([res.status, res.headers.get("www-authenticate")]).toEqual([403, STEP_UP]);
  });
});
