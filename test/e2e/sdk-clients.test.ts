// Real MCP client libraries over real HTTP against the Worker under `wrangler dev`: two tenants side by side.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CLIENT_KINDS } from "./support/clients.ts";
import { expectPlanTools, planTools } from "./support/plan-tools.ts";
import { createTenant, type E2eTenant } from "./support/tenants.ts";

const { mcpUrl } = inject("e2e");

type Results = { results: Array<{ id: string; title: string }> };

let free: E2eTenant;
let pro: E2eTenant;
let fixtures: E2eTenant;
beforeAll(async () => {
  [free, pro, fixtures] = await Promise.all([
    createTenant("free"),
    createTenant("pro"),
    createTenant("free", { featuresAdd: ["conformance_fixtures"] }),
  ]);
});

for (const kind of CLIENT_KINDS) {
  describe(`${kind.name} [${kind.lane} lane]`, () => {
    if (kind.pending) {
      it.todo(`waits: ${kind.pending}`);
      return;
    }

    it("two tenants at once: each lists its plan's tools and reads only its own documents", async () => {
      const [a, b] = await Promise.all([kind.connect(mcpUrl, free.apiKey), kind.connect(mcpUrl, pro.apiKey)]);
      try {
        const [toolsA, toolsB] = await Promise.all([a.listTools(), b.listTools()]);
        expectPlanTools(toolsA, "free", kind.lane);
        expectPlanTools(toolsB, "pro", kind.lane);

        // Interleaved calls on both sessions; each answer must be its own tenant's.
        const rounds = await Promise.all(
          Array.from({ length: 6 }, () =>
            Promise.all([
              a.callTool("search_documents", { query: "report" }),
              b.callTool("search_documents", { query: "report" }),
            ]),
          ),
        );
        for (const [fromA, fromB] of rounds) {
          expect(titles(fromA.structured)).toEqual([`Quarterly report ${free.marker}`]);
          expect(titles(fromB.structured)).toEqual([`Quarterly report ${pro.marker}`]);
        }
        const [mine, theirs] = await Promise.all([
          a.callTool("get_document", { id: free.documentIds[0] }),
          a.callTool("get_document", { id: pro.documentIds[0] }),
        ]);
        expect(mine.isError).toBe(false);
        expect(mine.text).toContain(free.marker);
        expect(theirs).toMatchObject({ isError: true, text: "Document not found." });
        expect(titles((await b.callTool("search_documents", { query: free.marker })).structured)).toEqual([]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it("a tool outside the tenant's plan does not exist for it", async () => {
      const client = await kind.connect(mcpUrl, free.apiKey);
      try {
        const call = client.callTool("workspace_stats", { workspace_id: free.workspaceId });
        await expect(call).rejects.toThrow(/Tool not available to this tenant/);
      } finally {
        await client.close();
      }
    });

    it("the conformance fixtures exist only for a tenant with the conformance_fixtures feature", async () => {
      const [plain, special] = await Promise.all([
        kind.connect(mcpUrl, free.apiKey),
        kind.connect(mcpUrl, fixtures.apiKey),
      ]);
      try {
        const [plainTools, specialTools] = await Promise.all([plain.listTools(), special.listTools()]);
        expect(plainTools.filter((t) => t.startsWith("test_"))).toEqual([]);
        expect(specialTools).toEqual(
          expect.arrayContaining(["test_simple_text", "test_error_handling", ...planTools("free")]),
        );
        await expect(special.callTool("test_simple_text")).resolves.toMatchObject({
          text: "This is a simple text response for testing.",
        });
        await expect(plain.callTool("test_simple_text")).rejects.toThrow(/Tool not available to this tenant/);
      } finally {
        await Promise.all([plain.close(), special.close()]);
      }
    });
  });
}

function titles(structured: unknown): string[] {
  return ((structured as Results | undefined)?.results ?? []).map((r) => r.title);
}
