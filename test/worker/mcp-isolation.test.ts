// Tenant isolation at the endpoint, from the attacker's side: another tenant's key, session and ids.
import { beforeAll, describe, expect, it } from "vitest";
import { connectClient, createTenant, openSession, post, type TestTenant } from "./support/fixtures.ts";

let free: TestTenant;
let pro: TestTenant;
let enterprise: TestTenant;
beforeAll(async () => {
  [free, pro, enterprise] = await Promise.all([createTenant("free"), createTenant("pro"), createTenant("enterprise")]);
});

describe("tools per plan", () => {
  it.each([
    ["free", () => free],
    ["pro", () => pro],
    ["enterprise", () => enterprise],
  ] as const)("%s sees exactly its plan's tools (committed snapshot)", async (plan, tenant) => {
    const { client } = await connectClient(tenant().apiKey);
    const { tools } = await client.listTools();
    await expect(JSON.stringify(tools, null, 2) + "\n").toMatchFileSnapshot(`./snapshots/tools-${plan}.json`);
    await client.close();
  });

  it("per-tenant feature changes add and remove tools", async () => {
    const custom = await createTenant("free", { featuresAdd: ["bulk_export"], featuresRemove: [] });
    const stripped = await createTenant("enterprise", { featuresRemove: ["bulk_export", "advanced_analytics"] });
    const names = async (t: TestTenant): Promise<string[]> => {
      const { client } = await connectClient(t.apiKey);
      return (await client.listTools()).tools.map((x) => x.name).sort();
    };
    expect(await names(custom)).toContain("export_workspace");
    expect(await names(custom)).not.toContain("workspace_stats");
    expect(await names(stripped)).toEqual(await names(free));
  });

  it("calling a tool the tenant lacks is JSON-RPC error -32602, the same as a tool nobody defined", async () => {
    const session = await openSession(free.apiKey);
    const call = async (name: string): Promise<unknown> => {
      const res = await post(
        {
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name, arguments: { workspace_id: free.workspaceId } },
        },
        { authorization: `Bearer ${free.apiKey}`, "mcp-session-id": session },
      );
      expect(res.status).toBe(200);
      return res.json();
    };
    const lacking = (await call("workspace_stats")) as { error: { code: number; message: string } };
    const nonexistent = (await call("no_such_tool")) as { error: { code: number; message: string } };
    expect(lacking.error.code).toBe(-32602);
    expect(nonexistent.error.code).toBe(-32602);
    expect(lacking.error.message.replace("workspace_stats", "X")).toBe(
      nonexistent.error.message.replace("no_such_tool", "X"),
    );
  });
});

describe("cross-tenant access", () => {
  it("tenant B's key on tenant A's session is 404, as for an unknown session", async () => {
    const sessionOfA = await openSession(pro.apiKey);
    const asB = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { authorization: `Bearer ${enterprise.apiKey}`, "mcp-session-id": sessionOfA },
    );
    const unknown = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { authorization: `Bearer ${enterprise.apiKey}`, "mcp-session-id": "Z".repeat(32) },
    );
    expect(asB.status).toBe(404);
    expect(await asB.text()).toBe(await unknown.text());
    // A's session still works for A.
    const asA = await post(
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
      { authorization: `Bearer ${pro.apiKey}`, "mcp-session-id": sessionOfA },
    );
    expect(asA.status).toBe(200);
  });

  it("B reading or updating A's document gets exactly the answer for a document that does not exist", async () => {
    const { client } = await connectClient(enterprise.apiKey);
    const foreign = pro.documentIds[0]!;
    const missing = crypto.randomUUID();
    const get = (id: string) => client.callTool({ name: "get_document", arguments: { id } });
    const update = (id: string) => client.callTool({ name: "update_document", arguments: { id, title: "pwned" } });
    const strip = (r: unknown, id: string): string => JSON.stringify(r).replaceAll(id, "<id>");
    expect(strip(await get(foreign), foreign)).toBe(strip(await get(missing), missing));
    expect(strip(await update(foreign), foreign)).toBe(strip(await update(missing), missing));
    expect((await get(foreign)).isError).toBe(true);

    // And A's document is untouched.
    const { client: owner } = await connectClient(pro.apiKey);
    const mine = await owner.callTool({ name: "get_document", arguments: { id: foreign } });
    expect(JSON.stringify(mine.structuredContent)).not.toContain("pwned");
  });

  it("lists and searches return only the caller's rows", async () => {
    const { client } = await connectClient(enterprise.apiKey);
    const workspaces = await client.callTool({ name: "list_workspaces", arguments: {} });
    expect(JSON.stringify(workspaces)).toContain(enterprise.workspaceId);
    expect(JSON.stringify(workspaces)).not.toContain(pro.workspaceId);
    const foreignList = await client.callTool({ name: "list_documents", arguments: { workspace_id: pro.workspaceId } });
    for (const id of pro.documentIds) expect(JSON.stringify(foreignList)).not.toContain(id);
    const search = await client.callTool({ name: "search_documents", arguments: { query: "Quarterly report" } });
    expect(JSON.stringify(search)).toContain(enterprise.documentIds[0]);
    for (const id of [...pro.documentIds, ...free.documentIds]) expect(JSON.stringify(search)).not.toContain(id);
  });
});
