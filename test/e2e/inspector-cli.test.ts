// The MCP Inspector's CLI mode, as a developer runs it, listing and calling tools with tenant keys.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { runInspector } from "./support/inspector.ts";
import { expectPlanTools } from "./support/plan-tools.ts";
import { createTenant, type E2eTenant } from "./support/tenants.ts";

const { mcpUrl } = inject("e2e");

/** The Inspector's `--protocol-era` values this server must serve, and the lane of ours each one reaches. */
const ERAS: ReadonlyArray<{ era: "legacy" | "modern"; lane: "session" | "stateless"; pending?: string }> = [
  { era: "legacy", lane: "session" },
  { era: "modern", lane: "stateless" },
];

type ToolsList = { result: { tools: Array<{ name: string }> } };
type ToolCall = { result: { isError?: boolean; structuredContent?: { results: Array<{ title: string }> } } };

let free: E2eTenant;
let pro: E2eTenant;
beforeAll(async () => {
  [free, pro] = await Promise.all([createTenant("free"), createTenant("pro")]);
});

for (const { era, lane, pending } of ERAS) {
  describe(`inspector --cli --protocol-era ${era}`, () => {
    if (pending) {
      it.todo(`waits: ${pending}`);
      return;
    }

    it("lists each tenant's tools, two tenants at once", async () => {
      const [a, b] = await Promise.all([
        runInspector(mcpUrl, free.apiKey, ["--method", "tools/list"], era),
        runInspector(mcpUrl, pro.apiKey, ["--method", "tools/list"], era),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expectPlanTools(
        (a.json as ToolsList).result.tools.map((t) => t.name),
        "free",
        lane,
      );
      expectPlanTools(
        (b.json as ToolsList).result.tools.map((t) => t.name),
        "pro",
        lane,
      );
    });

    it("calls a tool for each tenant at once, each seeing only its own documents", async () => {
      const search = ["--method", "tools/call", "--tool-name", "search_documents", "--tool-arg", "query=report"];
      const [a, b] = await Promise.all([
        runInspector(mcpUrl, free.apiKey, search, era),
        runInspector(mcpUrl, pro.apiKey, search, era),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect((a.json as ToolCall).result.structuredContent?.results.map((r) => r.title)).toEqual([
        `Quarterly report ${free.marker}`,
      ]);
      expect((b.json as ToolCall).result.structuredContent?.results.map((r) => r.title)).toEqual([
        `Quarterly report ${pro.marker}`,
      ]);
    });

    it("gets nothing without a key, and nothing with a wrong one", async () => {
      const [none, wrong] = await Promise.all([
        runInspector(mcpUrl, undefined, ["--method", "tools/list"], era),
        runInspector(mcpUrl, `${free.apiKey.slice(0, -4)}xxxx`, ["--method", "tools/list"], era),
      ]);
      for (const run of [none, wrong]) {
        expect(run.code).not.toBe(0);
        expect(run.stdout).not.toContain("list_workspaces");
      }
    });
  });
}
