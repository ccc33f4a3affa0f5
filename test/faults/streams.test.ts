// Redis failing under an open notification stream (src/streams/): the stream ends cleanly (the body closes, the client
// reconnects), never hangs and never turns into a 5xx; a stream opened while Redis is down is a 503 with Retry-After.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { documentUri } from "../../src/resources/documents.ts";
import { createTenant, MCP_URL, openSession, post, type TestTenant } from "../worker/support/fixtures.ts";
import { SseReader } from "../worker/support/sse.ts";
import { clearFaultsAfterEach, injectFaults, INJECTED_DETAIL } from "./support/faults.ts";

clearFaultsAfterEach();

let tenant: TestTenant;
let sessionId: string;
beforeAll(async () => {
  tenant = await createTenant("free");
  sessionId = await openSession(tenant.apiKey);
  const uri = documentUri(tenant.documentIds[0]!);
  const sub = await post(
    { jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri } },
    { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": sessionId },
  );
  expect(sub.status).toBe(200);
});

const openStream = (): Promise<Response> =>
  SELF.fetch(MCP_URL, {
    headers: { authorization: `Bearer ${tenant.apiKey}`, "mcp-session-id": sessionId, accept: "text/event-stream" },
  });

describe.each(["refuse", "error"] as const)("when Redis %s while a stream is open", (rule) => {
  it("the stream ends within a poll interval plus the Redis timeout, with nothing of upstream in it", async () => {
    const res = await openStream();
    expect(res.status).toBe(200);
    const reader = new SseReader(res.body!);
    await injectFaults({ redis: rule });
    const started = Date.now();
    // `next` returns null once the stream ended; an event or a hang would fail here.
    expect(await reader.next(15_000)).toBeNull();
    expect(Date.now() - started).toBeLessThan(12_000);
  });
});

describe("when Redis is down", () => {
  it("opening a stream is 503 with Retry-After, not 500 and not a hanging stream", async () => {
    await injectFaults({ redis: "refuse" });
    const res = await openStream();
    const text = await res.text();
    expect(res.status, text).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(INJECTED_DETAIL);
  });
});
