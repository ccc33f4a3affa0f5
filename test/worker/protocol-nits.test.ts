// Protocol edge cases the attack pass found: a `task` on tools/call answered as an internal error, and an Accept header
// that refuses the media types (q=0) let through.
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, initializeMessage, openSession, post, type TestTenant } from "./support/fixtures.ts";
import { statelessMessage, postStateless, replyOf } from "./support/stateless.ts";

let tenant: TestTenant;
let session: string;
beforeAll(async () => {
  tenant = await createTenant("pro");
  session = await openSession(tenant.apiKey);
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${tenant.apiKey}` });

// MCP 2025-11-25 "Tasks / Behavior Requirements": receivers that do not declare the task capability for a request type
// MUST process requests of that type normally, ignoring any task-augmentation metadata. Neither lane declares tasks.
describe("tools/call with a task field (this server declares no tasks capability)", () => {
  const params = { name: "list_workspaces", arguments: {}, task: { ttl: 60_000 } };

  it("session lane: runs the tool as if `task` were absent (was -32603)", async () => {
    const res = await post(
      { jsonrpc: "2.0", id: 5, method: "tools/call", params },
      { ...auth(), "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { error?: unknown; result?: { isError?: boolean; structuredContent?: unknown } };
    expect(body.error).toBeUndefined();
    expect(body.result?.isError).toBeFalsy();
    expect(JSON.stringify(body.result?.structuredContent)).toContain(tenant.workspaceId);
  });

  it("stateless lane: runs the tool as if `task` were absent", async () => {
    const res = await postStateless(statelessMessage("tools/call", params), auth());
    expect(res.status).toBe(200);
    const body = await replyOf(res);
    expect(body.error).toBeUndefined();
    expect(JSON.stringify(body.result?.structuredContent)).toContain(tenant.workspaceId);
  });
});

describe("Accept with q=0 (RFC 9110 12.5.1: q=0 means not acceptable)", () => {
  const accepts = [
    "application/json;q=0, text/event-stream;q=0",
    "application/json; q=0.000, text/event-stream; q=0",
    "application/json, text/event-stream;q=0",
    "application/json;q=0, text/event-stream",
  ];
  it.each(accepts)("session initialize with Accept %j -> 406", async (accept) => {
    const res = await post(initializeMessage(), { ...auth(), accept });
    expect(res.status).toBe(406);
  });
  it.each(accepts)("stateless tools/list with Accept %j -> 406", async (accept) => {
    const res = await postStateless(statelessMessage("tools/list"), { ...auth(), accept });
    expect(res.status).toBe(406);
  });
  it.each(["application/json;q=0.5, text/event-stream;q=1", "text/event-stream, application/json;q=0.1"])(
    "Accept %j with both acceptable still passes",
    async (accept) => {
      const res = await post(initializeMessage(), { ...auth(), accept });
      expect(res.status).toBe(200);
    },
  );
});
