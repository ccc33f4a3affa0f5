// Tenant isolation on the 2026-07-28 lane, from the attacker's side: another tenant's key, ids and session ids.
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, openSession, type TestTenant } from "./support/fixtures.ts";
import { connectStatelessClient, statelessMessage, postStateless, replyOf } from "./support/stateless.ts";
// The session lane's committed tools/list snapshots (mcp-isolation.test.ts): the stateless lane must list the same.
import enterpriseSnapshot from "./snapshots/tools-enterprise.json";
import freeSnapshot from "./snapshots/tools-free.json";
import proSnapshot from "./snapshots/tools-pro.json";

const SNAPSHOTS = { free: freeSnapshot, pro: proSnapshot, enterprise: enterpriseSnapshot };

let free: TestTenant;
let pro: TestTenant;
let enterprise: TestTenant;
beforeAll(async () => {
  [free, pro, enterprise] = await Promise.all([createTenant("free"), createTenant("pro"), createTenant("enterprise")]);
});

const names = async (t: TestTenant): Promise<string[]> => {
  const { client } = await connectStatelessClient(t.apiKey);
  return (await client.listTools()).tools.map((x) => x.name).sort();
};

describe("tools per plan", () => {
  it.each([
    ["free", () => free],
    ["pro", () => pro],
    ["enterprise", () => enterprise],
  ] as const)(
    "%s sees exactly its plan's tools: the session lane's snapshot, delete_document included",
    async (plan, tenant) => {
      const { client } = await connectStatelessClient(tenant().apiKey);
      const { tools } = await client.listTools();
      const snapshot = SNAPSHOTS[plan];
      const stateless = JSON.parse(JSON.stringify(tools)) as { name: string }[];
      expect(stateless).toEqual(snapshot);
      expect(stateless.map((t) => t.name)).toContain("delete_document");
    },
  );

  it("per-tenant feature changes add and remove tools", async () => {
    const custom = await createTenant("free", { featuresAdd: ["bulk_export"] });
    const stripped = await createTenant("enterprise", { featuresRemove: ["bulk_export", "advanced_analytics"] });
    expect(await names(custom)).toContain("export_workspace");
    expect(await names(custom)).not.toContain("workspace_stats");
    expect(await names(stripped)).toEqual(await names(free));
  });

  it("calling a tool the tenant lacks is JSON-RPC error -32602, the same as a tool nobody defined", async () => {
    const call = async (name: string): Promise<{ error: { code: number; message: string } }> => {
      const res = await postStateless(
        statelessMessage("tools/call", { name, arguments: { workspace_id: free.workspaceId } }, { id: 7 }),
        {
          authorization: `Bearer ${free.apiKey}`,
        },
      );
      expect(res.status).toBe(200);
      return (await replyOf(res)) as { error: { code: number; message: string } };
    };
    const lacking = await call("workspace_stats");
    const nonexistent = await call("no_such_tool");
    expect(lacking.error.code).toBe(-32602);
    expect(nonexistent.error.code).toBe(-32602);
    expect(lacking.error.message.replace("workspace_stats", "X")).toBe(
      nonexistent.error.message.replace("no_such_tool", "X"),
    );
  });
});

describe("cross-tenant access", () => {
  it("a session id is no credential: tenant A's session id with B's key serves B, and only B", async () => {
    const sessionOfA = await openSession(pro.apiKey);
    const res = await postStateless(statelessMessage("tools/call", { name: "list_workspaces", arguments: {} }), {
      authorization: `Bearer ${enterprise.apiKey}`,
      "mcp-session-id": sessionOfA,
    });
    const text = JSON.stringify(await replyOf(res));
    expect(text).toContain(enterprise.workspaceId);
    expect(text).not.toContain(pro.workspaceId);
  });

  it("B reading, updating or deleting A's document gets exactly the answer for a document that does not exist", async () => {
    const { client } = await connectStatelessClient(enterprise.apiKey, {
      elicit: () => ({ action: "accept", content: { confirm: true } }),
    });
    const foreign = pro.documentIds[0]!;
    const missing = crypto.randomUUID();
    const strip = (r: unknown, id: string): string => JSON.stringify(r).replaceAll(id, "<id>");
    for (const [name, extra] of [
      ["get_document", {}],
      ["update_document", { title: "pwned" }],
      ["delete_document", {}],
    ] as const) {
      const call = (id: string) => client.callTool({ name, arguments: { id, ...extra } });
      const [a, b] = [await call(foreign), await call(missing)];
      expect(strip(a, foreign), name).toBe(strip(b, missing));
      expect(a.isError, name).toBe(true);
    }
    const read = async (id: string): Promise<string> =>
      JSON.stringify(
        await replyOf(
          await postStateless(statelessMessage("resources/read", { uri: `tenant-mcp://documents/${id}` }), {
            authorization: `Bearer ${enterprise.apiKey}`,
          }),
        ),
      ).replaceAll(id, "<id>");
    expect(await read(foreign)).toBe(await read(missing));
    // 2026-07-28 answers a missing resource with -32602 (2025-11-25 used -32002).
    expect(JSON.parse(await read(missing))).toMatchObject({ error: { code: -32602, message: "Resource not found" } });

    // And A's document is untouched.
    const { client: owner } = await connectStatelessClient(pro.apiKey);
    const mine = await owner.callTool({ name: "get_document", arguments: { id: foreign } });
    expect(mine.isError).toBeFalsy();
    expect(JSON.stringify(mine.structuredContent)).not.toContain("pwned");
  });

  it("lists and searches return only the caller's rows", async () => {
    const { client } = await connectStatelessClient(enterprise.apiKey);
    const workspaces = await client.callTool({ name: "list_workspaces", arguments: {} });
    expect(JSON.stringify(workspaces)).toContain(enterprise.workspaceId);
    expect(JSON.stringify(workspaces)).not.toContain(pro.workspaceId);
    const foreignList = await client.callTool({ name: "list_documents", arguments: { workspace_id: pro.workspaceId } });
    for (const id of pro.documentIds) expect(JSON.stringify(foreignList)).not.toContain(id);
    const search = await client.callTool({ name: "search_documents", arguments: { query: "Quarterly report" } });
    expect(JSON.stringify(search)).toContain(enterprise.documentIds[0]);
    for (const id of [...pro.documentIds, ...free.documentIds]) expect(JSON.stringify(search)).not.toContain(id);
    const resources = await client.listResources();
    for (const id of [...pro.documentIds, ...free.documentIds]) expect(JSON.stringify(resources)).not.toContain(id);
  });
});
