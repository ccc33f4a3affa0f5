// Output schemas are published only to tenants with the `output_schemas` feature, in both lanes; every tenant's
// results carry structuredContent (and the same JSON in a text block) either way.
import { beforeAll, describe, expect, it } from "vitest";
import { connectClient, createTenant, type TestTenant } from "./support/fixtures.ts";
import { connectStatelessClient } from "./support/stateless.ts";

let plain: TestTenant;
let typed: TestTenant;
beforeAll(async () => {
  [plain, typed] = await Promise.all([
    createTenant("enterprise"),
    createTenant("enterprise", { featuresAdd: ["output_schemas"] }),
  ]);
});

/** What the tests need of a connected client, whichever SDK generation it is. */
interface AnyClient {
  listTools(): Promise<{ tools: Array<Record<string, unknown>> }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<Record<string, unknown>>;
}

const LANES: Array<[string, (apiKey: string) => Promise<AnyClient>]> = [
  ["session", async (apiKey) => (await connectClient(apiKey)).client as unknown as AnyClient],
  ["stateless", async (apiKey) => (await connectStatelessClient(apiKey)).client as unknown as AnyClient],
];

describe.each(LANES)("output schemas, %s lane", (_lane, connect) => {
  it("tools/list has no outputSchema without the feature, and no annotations.title", async () => {
    const { tools } = await (await connect(plain.apiKey)).listTools();
    expect(tools.length).toBe(11);
    for (const tool of tools) {
      expect(tool, String(tool.name)).not.toHaveProperty("outputSchema");
      expect(tool.title, String(tool.name)).toEqual(expect.any(String));
      expect(tool.annotations, String(tool.name)).not.toHaveProperty("title");
    }
  });

  it("tools/list has every tool's outputSchema with the feature", async () => {
    const { tools } = await (await connect(typed.apiKey)).listTools();
    expect(tools.length).toBe(11);
    for (const tool of tools) {
      expect((tool.outputSchema as { type?: string } | undefined)?.type, String(tool.name)).toBe("object");
    }
  });

  it("a result carries structuredContent and the same JSON as text, with the feature or without", async () => {
    for (const tenant of [plain, typed]) {
      const client = await connect(tenant.apiKey);
      const result = await client.callTool({ name: "list_documents", arguments: { workspace_id: tenant.workspaceId } });
      expect(result.isError ?? false).toBe(false);
      const structured = result.structuredContent as { documents: Array<{ id: string }> };
      expect(structured.documents.map((d) => d.id).sort()).toEqual([...tenant.documentIds].sort());
      const texts = (result.content as Array<{ type: string; text?: string }>).filter((c) => c.type === "text");
      expect(texts.map((t) => JSON.parse(t.text!))).toContainEqual(structured);
    }
  });
});
