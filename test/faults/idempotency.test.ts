// The answer of a create_document is lost after its commit (the local cloud drops or resets the response of the Neon
// request that committed): the client sees "unavailable" and retries with its idempotency key. The retry returns the
// original result, marked as a replay, and there is exactly one document. Without a key the same retry makes a second
// document: the control that shows the fault really strikes after the commit. Both lanes.
import { describe, expect, it } from "vitest";
import type { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { iso } from "../../src/db/timestamps.ts";
import { IDEMPOTENCY_META_KEY, IDEMPOTENT_REPLAY_META_KEY } from "../../src/idempotency/key.ts";
import { connectClient, createTenant, type TestTenant } from "../worker/support/fixtures.ts";
import { connectStatelessClient } from "../worker/support/stateless.ts";
import { clearFaults, clearFaultsAfterEach, faultHits, injectFaults, type FaultRule } from "./support/faults.ts";

clearFaultsAfterEach();

const UNAVAILABLE = "The database is unavailable; try again shortly.";

type Result = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: { document: Record<string, unknown> };
  _meta?: Record<string, unknown>;
};
type Call = (args: Record<string, unknown>, key?: string) => Promise<Result>;

async function caller(lane: "session" | "stateless", tenant: TestTenant): Promise<Call> {
  const { client } =
    lane === "session" ? await connectClient(tenant.apiKey) : await connectStatelessClient(tenant.apiKey);
  return async (args, key) =>
    (await (client as V1Client).callTool({
      name: "create_document",
      arguments: args,
      ...(key ? { _meta: { [IDEMPOTENCY_META_KEY]: key } } : {}),
    })) as Result;
}

async function documents(tenant: TestTenant, title: string): Promise<Record<string, unknown>[]> {
  return tenant.placement.admin.query(
    "select id, created_at from documents where tenant_id = $1 and title = $2 order by created_at",
    [tenant.id, title],
  );
}

const RULES: [string, FaultRule][] = [
  ["dropped", { mode: "drop", phase: "response", match: "insert into documents" }],
  ["reset", { mode: "refuse", phase: "response", match: "insert into documents" }],
];

describe.each(["session", "stateless"] as const)("%s lane: the answer lost after the commit", (lane) => {
  it.each(RULES)("%s: a retry with the same key returns the original result; one document", async (mode, rule) => {
    const tenant = await createTenant("pro");
    const call = await caller(lane, tenant);
    const key = `lost-${crypto.randomUUID()}`;
    const args = { workspace_id: tenant.workspaceId, title: `Lost ${mode} ${key}`, body: "b" };

    await injectFaults({ postgres: rule });
    const lost = await call(args, key);
    expect(lost).toMatchObject({ isError: true, content: [{ type: "text", text: UNAVAILABLE }] });
    expect(await faultHits("postgres", (rule as { mode: string }).mode)).toBeGreaterThan(0);
    await clearFaults();

    const [row, ...more] = await documents(tenant, args.title);
    expect(more).toEqual([]);
    const retry = await call(args, key);
    expect(retry.isError).toBeFalsy();
    expect(retry._meta?.[IDEMPOTENT_REPLAY_META_KEY]).toBe(true);
    expect(retry.structuredContent?.document).toMatchObject({
      id: row?.id,
      title: args.title,
      created_at: iso(row?.created_at),
    });
    expect(await documents(tenant, args.title)).toHaveLength(1);
  });

  it("without a key, the same retry writes a second document (the control)", async () => {
    const tenant = await createTenant("pro");
    const call = await caller(lane, tenant);
    const args = { workspace_id: tenant.workspaceId, title: `Unkeyed ${crypto.randomUUID()}`, body: "b" };
    await injectFaults({ postgres: { mode: "refuse", phase: "response", match: "insert into documents" } });
    expect((await call(args)).isError).toBe(true);
    await clearFaults();
    expect((await call(args)).isError).toBeFalsy();
    expect(await documents(tenant, args.title)).toHaveLength(2);
  });
});
