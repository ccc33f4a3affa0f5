// Client-facing log messages in the session lane: the level a client sets is kept in its session (Redis), so a later
// request, served by a fresh Server, still honours it.
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { connectV1 } from "./support/clients.ts";
import { createTenant, type E2eTenant } from "./support/tenants.ts";

const { mcpUrl } = inject("e2e");
let tenant: E2eTenant;
beforeAll(async () => {
  tenant = await createTenant("free", { featuresAdd: ["conformance_fixtures"] });
});

describe("logging/setLevel", () => {
  it("filters later tool calls' log messages by the level set earlier in the session", async () => {
    const { client, transport } = await connectV1(mcpUrl, tenant.apiKey);
    const received: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params.data));
    const logsOfOneCall = async (): Promise<unknown[]> => {
      received.length = 0;
      const result = await client.callTool({ name: "test_tool_with_logging", arguments: {} });
      expect(result.isError).toBeFalsy();
      return [...received];
    };
    try {
      expect(await logsOfOneCall()).toEqual([]); // no level set: the client asked for nothing
      await client.setLoggingLevel("warning");
      expect(await logsOfOneCall()).toEqual([]); // the tool logs at info, below warning
      await client.setLoggingLevel("info");
      expect(await logsOfOneCall()).toEqual([
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
      ]);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });

  it("a level set in one session does not leak into another session of the same tenant", async () => {
    const first = await connectV1(mcpUrl, tenant.apiKey);
    await first.client.setLoggingLevel("debug");
    const second = await connectV1(mcpUrl, tenant.apiKey);
    const received: unknown[] = [];
    second.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params.data));
    try {
      await second.client.callTool({ name: "test_tool_with_logging", arguments: {} });
      expect(received).toEqual([]);
    } finally {
      await Promise.all([first.transport.terminateSession(), second.transport.terminateSession()]);
      await Promise.all([first.client.close(), second.client.close()]);
    }
  });
});
