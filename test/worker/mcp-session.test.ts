// Session-era sessions: minted at initialize, kept only in Redis under a key that names the tenant, refreshed on use.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sessionKey } from "../../src/redis/keys.ts";
import {
  connectClient,
  createTenant,
  MCP_URL,
  openSession,
  post,
  type TestTenant,
  shards,
} from "./support/fixtures.ts";

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("pro");
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${tenant.apiKey}` });
const listTools = (id = 2): Record<string, unknown> => ({ jsonrpc: "2.0", id, method: "tools/list" });

describe("session lifecycle", () => {
  it("initialize -> tools/list -> tools/call -> DELETE -> 404, through the SDK client", async () => {
    const { client, transport } = await connectClient(tenant.apiKey);
    const sessionId = transport.sessionId;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("get_document");
    const result = await client.callTool({ name: "get_document", arguments: { id: tenant.documentIds[0] } });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain(tenant.documentIds[0]);

    await transport.terminateSession();
    const after = await post(listTools(), {
      ...auth(),
      "mcp-session-id": sessionId!,
      "mcp-protocol-version": "2025-11-25",
    });
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { code: -32001 } });
  });

  it("stores the session in Redis under a key with the tenant id, with the negotiated version and client info", async () => {
    const res = await post(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: { roots: {} },
          clientInfo: { name: "probe", version: "9" },
        },
      },
      auth(),
    );
    expect(res.status).toBe(200);
    const id = res.headers.get("mcp-session-id")!;
    const body = (await res.json()) as { result: { protocolVersion: string } };
    expect(body.result.protocolVersion).toBe("2025-06-18");

    const record = await shards.forTenant(tenant.id).get<Record<string, unknown>>(sessionKey(tenant.id, id));
    expect(record).toMatchObject({
      tenantId: tenant.id,
      keyId: tenant.keyId,
      protocolVersion: "2025-06-18",
      clientInfo: { name: "probe", version: "9" },
      capabilities: ["roots"],
    });
    expect(typeof record?.createdAt).toBe("number");
    const ttl = await shards.forTenant(tenant.id).ttl(sessionKey(tenant.id, id));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it("an unsupported initialize version gets the latest supported one", async () => {
    const res = await post(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "1999-01-01", capabilities: {}, clientInfo: { name: "old", version: "1" } },
      },
      auth(),
    );
    const id = res.headers.get("mcp-session-id")!;
    expect(((await res.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe("2025-11-25");
    expect(await shards.forTenant(tenant.id).get(sessionKey(tenant.id, id))).toMatchObject({
      protocolVersion: "2025-11-25",
    });
  });

  it("refreshes the TTL on every use", async () => {
    const id = await openSession(tenant.apiKey);
    await shards.forTenant(tenant.id).expire(sessionKey(tenant.id, id), 100);
    const res = await post(listTools(), { ...auth(), "mcp-session-id": id });
    expect(res.status).toBe(200);
    expect(await shards.forTenant(tenant.id).ttl(sessionKey(tenant.id, id))).toBeGreaterThan(3500);
  });

  it("an expired session is 404 (expiry set in the past: Redis drops the key, no waiting)", async () => {
    const id = await openSession(tenant.apiKey);
    await shards.forTenant(tenant.id).expireat(sessionKey(tenant.id, id), Math.floor(Date.now() / 1000) - 10);
    const res = await post(listTools(), { ...auth(), "mcp-session-id": id });
    expect(res.status).toBe(404);
  });

  it("a request without Mcp-Session-Id is 400", async () => {
    const res = await post(listTools(), auth());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining("Mcp-Session-Id") } });
  });

  it("unknown, malformed and expired ids get byte-identical 404s", async () => {
    const expired = await openSession(tenant.apiKey);
    await shards.forTenant(tenant.id).del(sessionKey(tenant.id, expired));
    const bodies = await Promise.all(
      [expired, "A".repeat(32), "not-a-session", "x".repeat(500)].map(async (sid) => {
        const res = await post(listTools(), { ...auth(), "mcp-session-id": sid });
        return `${res.status} ${await res.text()}`;
      }),
    );
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toMatch(/^404 /);
  });

  it("DELETE and GET of an unknown session are 404", async () => {
    const del = await SELF.fetch(MCP_URL, {
      method: "DELETE",
      headers: { ...auth(), "mcp-session-id": "B".repeat(32) },
    });
    expect(del.status).toBe(404);
    const get = await SELF.fetch(MCP_URL, {
      method: "GET",
      headers: { ...auth(), accept: "text/event-stream", "mcp-session-id": "B".repeat(32) },
    });
    expect(get.status).toBe(404);
  });

  it("notifications are accepted with 202 inside a session", async () => {
    const id = await openSession(tenant.apiKey);
    const res = await post(
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { ...auth(), "mcp-session-id": id },
    );
    expect(res.status).toBe(202);
  });
});
