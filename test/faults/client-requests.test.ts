// A session-lane tool call waiting for its client's answer (src/rendezvous/) when Redis fails mid-wait: the call ends
// with an isError result on its own stream, within a bounded time: no hang, no 5xx, nothing from upstream in the text.
import { env, SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, MCP_URL, type TestTenant } from "../worker/support/fixtures.ts";
import {
  clearFaults,
  clearFaultsAfterEach,
  faultHits,
  injectFaults,
  INJECTED_DETAIL,
  timed,
  type FaultRule,
} from "./support/faults.ts";

clearFaultsAfterEach();

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("pro");
});

/** Slack on top of the Redis timeout (a busy 2-core machine), far below the wait's own timeout (60 s). */
const MARGIN_MS = 3000;

describe.each<[string, FaultRule]>([
  ["refuses connections", "refuse"],
  ["never answers", "drop"],
])("when Redis %s while a call waits for the client", (_name, rule) => {
  it("the call ends with an isError result, in bounded time, and nothing is deleted", { timeout: 30_000 }, async () => {
    const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
      fetch: (url, init) => SELF.fetch(url as string, init as RequestInit),
      requestInit: { headers: { authorization: `Bearer ${tenant.apiKey}` } },
    });
    const client = new Client({ name: "faulted", version: "1" }, { capabilities: { elicitation: {} } });
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    // The question arrived, so the call is polling: break Redis now, and never answer.
    client.setRequestHandler(ElicitRequestSchema, async () => {
      await injectFaults({ redis: rule });
      asked();
      return new Promise<ElicitResult>(() => {});
    });
    await client.connect(transport);

    const target = tenant.documentIds[0]!;
    const call = client.callTool({ name: "delete_document", arguments: { id: target } });
    await wasAsked;
    const { value: result, ms } = await timed(() => call);
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result.content);
    expect(text).toContain("Service temporarily unavailable: the client's answer could not be received");
    expect(text).not.toContain(INJECTED_DETAIL);
    // Bounded by one Redis command's timeout and its retry, not by the wait's 60 s.
    expect(ms).toBeLessThan(2 * Number(env.REDIS_TIMEOUT_MS) + MARGIN_MS);
    expect(await faultHits("redis", rule as string)).toBeGreaterThan(0);

    await clearFaults();
    expect((await tenant.placement.admin.query("select 1 from documents where id = $1", [target])).length).toBe(1);
    await client.close();
  });
});
