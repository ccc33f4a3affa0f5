// While a tenant's data moves between isolation tiers (`tenant move` sets data_moving_since, then fences the data), on
// every tier: its write tool calls get 503 with Retry-After in both lanes before any MCP work, its reads go on, and
// other tenants are not affected. A write that races the flag and reaches the fenced location (a 'moving' row in
// public.data_fences, which public.enter_tenant checks first) is an isError result that wrote nothing.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { invalidateWorkerCache } from "../../src/control/worker-cache.ts";
import { admin, createTenant, openSession, post, controlDeps, type TestTenant } from "./support/fixtures.ts";
import { postStateless, replyOf, statelessMessage } from "./support/stateless.ts";
import { TIERS, tierLacks } from "./support/tiers.ts";

const MOVING =
  "This tenant's data is being moved to another location; nothing was changed. Try again in a few seconds.";

/** One tools/call on each lane; the HTTP status, Retry-After and the JSON-RPC reply. */
async function callBoth(
  t: TestTenant,
  session: string,
  name: string,
  args: Record<string, unknown>,
): Promise<{ status: number; retryAfter: string | null; reply: Record<string, any> | string }[]> {
  const auth = { authorization: `Bearer ${t.apiKey}` };
  const legacy = await post(
    { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name, arguments: args } },
    { ...auth, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
  );
  const modern = await postStateless(statelessMessage("tools/call", { name, arguments: args }), auth);
  const out = [];
  for (const res of [legacy, modern]) {
    const text = res.status === 200 ? await replyOf(res) : await res.text();
    out.push({ status: res.status, retryAfter: res.headers.get("retry-after"), reply: text });
  }
  return out;
}

const newDoc = (t: TestTenant): Record<string, unknown> => ({
  workspace_id: t.workspaceId,
  title: `moving ${crypto.randomUUID()}`,
  body: "x",
});

async function titled(t: TestTenant, title: string): Promise<unknown[]> {
  return t.placement.admin.query("select id from documents where tenant_id = $1 and title = $2", [t.id, title]);
}

describe.each(TIERS)("a tenant on the %s tier whose data is moving", (tier) => {
  const lacks = tierLacks(tier);
  let moving: TestTenant;
  let bystander: TestTenant;
  let sessions: { moving: string; bystander: string };

  beforeAll(async () => {
    if (lacks) return;
    [moving, bystander] = await Promise.all([createTenant("pro", { tier }), createTenant("pro", { tier })]);
    sessions = { moving: await openSession(moving.apiKey), bystander: await openSession(bystander.apiKey) };
  });
  beforeEach((ctx) => {
    if (lacks) ctx.skip(lacks);
  });

  async function setMoving(on: boolean): Promise<void> {
    await admin.query(`update public.tenants set data_moving_since = ${on ? "now()" : "null"} where id = $1`, [
      moving.id,
    ]);
    await invalidateWorkerCache(controlDeps.shards, [moving.keyId], [moving.id]);
  }

  it("gets 503 with Retry-After for writes in both lanes; reads go on; another tenant writes as usual", async () => {
    await setMoving(true);
    try {
      const write = newDoc(moving);
      for (const r of await callBoth(moving, sessions.moving, "create_document", write)) {
        expect(r.status).toBe(503);
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(JSON.stringify(r.reply)).toContain("being moved");
      }
      for (const r of await callBoth(moving, sessions.moving, "update_document", {
        id: moving.documentIds[0],
        title: "changed while moving",
      })) {
        expect(r.status).toBe(503);
      }
      expect(await titled(moving, write.title as string)).toEqual([]);
      for (const r of await callBoth(moving, sessions.moving, "get_document", { id: moving.documentIds[0] })) {
        expect(r.status).toBe(200);
        expect((r.reply as Record<string, any>).result.isError ?? false).toBe(false);
        expect(JSON.stringify(r.reply)).toContain("Quarterly report");
      }
      const theirs = newDoc(bystander);
      for (const r of await callBoth(bystander, sessions.bystander, "create_document", theirs)) {
        expect(r.status).toBe(200);
        expect((r.reply as Record<string, any>).result.isError ?? false).toBe(false);
      }
      expect(await titled(bystander, theirs.title as string)).toHaveLength(2);
    } finally {
      await setMoving(false);
    }
    const after = newDoc(moving);
    for (const r of await callBoth(moving, sessions.moving, "create_document", after)) expect(r.status).toBe(200);
    expect(await titled(moving, after.title as string)).toHaveLength(2);
  });

  it("a write that reaches the fenced location is an isError result and writes nothing; reads go on until 'moved'", async () => {
    // The fence row lives in public.data_fences of the database that holds the tenant's tables.
    const fence = (state: "moving" | "moved" | null) =>
      state
        ? moving.placement.admin.query(
            "insert into public.data_fences (tenant_id, state) values ($1, $2) on conflict (tenant_id) do update set state = $2",
            [moving.id, state],
          )
        : moving.placement.admin.query("delete from public.data_fences where tenant_id = $1", [moving.id]);
    await fence("moving");
    try {
      const write = newDoc(moving);
      for (const r of await callBoth(moving, sessions.moving, "create_document", write)) {
        expect(r.status).toBe(200);
        expect((r.reply as Record<string, any>).result).toMatchObject({
          isError: true,
          content: [{ type: "text", text: MOVING }],
        });
      }
      expect(await titled(moving, write.title as string)).toEqual([]);
      for (const r of await callBoth(moving, sessions.moving, "get_document", { id: moving.documentIds[0] })) {
        expect((r.reply as Record<string, any>).result.isError ?? false).toBe(false);
      }
      const theirs = newDoc(bystander);
      for (const r of await callBoth(bystander, sessions.bystander, "create_document", theirs)) {
        expect((r.reply as Record<string, any>).result.isError ?? false).toBe(false);
      }

      // After the switch the old location refuses reads too: an isolate that still holds it retries and learns anew.
      await fence("moved");
      for (const r of await callBoth(moving, sessions.moving, "get_document", { id: moving.documentIds[0] })) {
        expect((r.reply as Record<string, any>).result).toMatchObject({
          isError: true,
          content: [{ type: "text", text: MOVING }],
        });
      }
    } finally {
      await fence(null);
    }
    const after = newDoc(moving);
    for (const r of await callBoth(moving, sessions.moving, "create_document", after)) {
      expect((r.reply as Record<string, any>).result.isError ?? false).toBe(false);
    }
  });
});
