// completion/complete in the session lane: declared only for tenants that have a prompt which completes arguments.
import { CompleteResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { connectV1 } from "./support/clients.ts";
import { createTenant, type E2eTenant } from "./support/tenants.ts";

const { mcpUrl } = inject("e2e");
let plain: E2eTenant;
let fixtures: E2eTenant;
beforeAll(async () => {
  [plain, fixtures] = await Promise.all([
    createTenant("free"),
    createTenant("free", { featuresAdd: ["conformance_fixtures"] }),
  ]);
});

describe("completion/complete", () => {
  it("suggests values for a prompt argument, by prefix", async () => {
    const { client, transport } = await connectV1(mcpUrl, fixtures.apiKey);
    try {
      expect(client.getServerCapabilities()?.completions).toEqual({});
      const ref = { type: "ref/prompt" as const, name: "test_prompt_with_arguments" };
      const pa = await client.complete({ ref, argument: { name: "arg1", value: "pa" } });
      expect(pa.completion).toEqual({ values: ["paris", "park", "party"], total: 3, hasMore: false });
      const none = await client.complete({ ref, argument: { name: "arg2", value: "pa" } });
      expect(none.completion.values).toEqual([]);
      await expect(
        client.complete({ ref: { type: "ref/prompt", name: "no_such_prompt" }, argument: { name: "x", value: "" } }),
      ).rejects.toThrow(/-32602/);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });

  it("is neither declared nor served for a tenant whose prompts complete nothing", async () => {
    const { client, transport } = await connectV1(mcpUrl, plain.apiKey);
    try {
      const capabilities = client.getServerCapabilities();
      expect(capabilities?.completions).toBeUndefined();
      expect(capabilities?.logging).toEqual({});
      const raw = client.request(
        {
          method: "completion/complete",
          params: {
            ref: { type: "ref/prompt", name: "summarize_workspace" },
            argument: { name: "workspace_id", value: "" },
          },
        },
        CompleteResultSchema,
      );
      await expect(raw).rejects.toThrow(/-32601/);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });
});
