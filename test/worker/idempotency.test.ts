// Idempotent tool calls (issue 16): a write tool called with an idempotency key runs once; a retry with the same key
// and arguments gets the stored answer (marked as a replay) and writes nothing; the same key for another call is
// -32602; concurrent calls with one key run once; keys are scoped to tenant and credential; malformed keys are
// refused; read-only tools ignore keys. Both lanes, through the real v1 and v2 SDK clients, on every isolation tier.
import { createScheduledController, env, SELF } from "cloudflare:test";
import type { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Client as V2Client } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { createKey } from "../../src/control/keys.ts";
import { IDEMPOTENCY_META_KEY, IDEMPOTENT_REPLAY_META_KEY, readIdempotencyKey } from "../../src/idempotency/key.ts";
import { requestHash } from "../../src/idempotency/request-hash.ts";
import { connectClient, controlDeps, createTenant, MCP_URL, type TestTenant } from "./support/fixtures.ts";
import { connectStatelessClient, postStateless, replyOf, statelessMessage } from "./support/stateless.ts";
import { tierLacks, TIERS } from "./support/tiers.ts";

type Lane = "session" | "stateless";
const LANES: readonly Lane[] = ["session", "stateless"];

type Result = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, any>;
  _meta?: Record<string, unknown>;
};

/** A connected client of either SDK generation, reduced to what these tests call. */
interface Caller {
  call(name: string, args: Record<string, unknown>, key?: unknown): Promise<Result>;
  close(): Promise<void>;
}

async function connect(lane: Lane, apiKey: string, headers: Record<string, string> = {}): Promise<Caller> {
  if (lane === "session") {
    const { client } = headers["idempotency-key"]
      ? await connectWithHeader(apiKey, headers["idempotency-key"])
      : await connectClient(apiKey);
    return wrap(client);
  }
  const { client } = await connectStatelessClient(apiKey, { headers });
  return wrap(client);
}

function wrap(client: V1Client | V2Client): Caller {
  return {
    async call(name, args, key) {
      const params = {
        name,
        arguments: args,
        ...(key === undefined ? {} : { _meta: { [IDEMPOTENCY_META_KEY]: key } }),
      };
      return (await (client as V1Client).callTool(params as never)) as Result;
    },
    close: () => client.close(),
  };
}

/** A v1 client whose every request carries the `Idempotency-Key` header. */
async function connectWithHeader(apiKey: string, key: string): Promise<{ client: V1Client }> {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: (url, init) => SELF.fetch(url as string, init as RequestInit),
    requestInit: { headers: { authorization: `Bearer ${apiKey}`, "idempotency-key": key } },
  });
  const client = new Client({ name: "header-client", version: "1.0.0" });
  await client.connect(transport);
  return { client };
}

async function documentsTitled(tenant: TestTenant, title: string): Promise<string[]> {
  const rows = await tenant.placement.admin.query<{ id: string }>(
    "select id from documents where tenant_id = $1 and title = $2 order by created_at",
    [tenant.id, title],
  );
  return rows.map((r) => r.id);
}

const uniqueKey = (): string => `key-${crypto.randomUUID()}`;
const replayed = (r: Result): boolean => r._meta?.[IDEMPOTENT_REPLAY_META_KEY] === true;

/** The -32602 a call is refused with (both SDKs throw it as an error carrying `code`). */
async function refusal(run: Promise<unknown>): Promise<{ code: number; message: string }> {
  const err = (await run.then(
    () => {
      throw new Error("the call was not refused");
    },
    (e: unknown) => e,
  )) as { code: number; message: string };
  return { code: err.code, message: err.message };
}

describe.each(LANES)("idempotency keys, %s lane", (lane) => {
  it("a retry with the same key returns the stored result, marked as a replay, and creates nothing", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const key = uniqueKey();
    const args = { workspace_id: tenant.workspaceId, title: `Once ${key}`, body: "b" };
    const first = await c.call("create_document", args, key);
    expect(first.isError).toBeFalsy();
    expect(replayed(first)).toBe(false);
    const again = await c.call("create_document", args, key);
    const third = await c.call(
      "create_document",
      { body: "b", title: `Once ${key}`, workspace_id: tenant.workspaceId },
      key,
    );
    for (const r of [again, third]) {
      expect(replayed(r)).toBe(true);
      expect(r.structuredContent).toEqual(first.structuredContent);
      expect(r.content).toEqual(first.content);
    }
    expect(await documentsTitled(tenant, `Once ${key}`)).toEqual([first.structuredContent?.document.id]);
    await c.close();
  });

  it("create_workspace and update_workspace replay too (a statement without rows, the advisory lock, is recorded)", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const name = `Keyed ${crypto.randomUUID().slice(0, 8)}`;
    const key = uniqueKey();
    const created = await c.call("create_workspace", { name }, key);
    expect(created.isError).toBeFalsy();
    const again = await c.call("create_workspace", { name }, key);
    expect(replayed(again)).toBe(true);
    expect(again.structuredContent).toEqual(created.structuredContent);
    const id = created.structuredContent?.workspace.id;
    const rename = uniqueKey();
    const renamed = await c.call("update_workspace", { id, archived: true }, rename);
    const renamedAgain = await c.call("update_workspace", { id, archived: true }, rename);
    expect(replayed(renamedAgain)).toBe(true);
    expect(renamedAgain.structuredContent).toEqual(renamed.structuredContent);
    const rows = await tenant.placement.admin.query("select 1 from workspaces where tenant_id = $1 and name = $2", [
      tenant.id,
      name,
    ]);
    expect(rows).toHaveLength(1);
    await c.close();
  });

  it("without a key every call runs (the control for the test above)", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const args = { workspace_id: tenant.workspaceId, title: "Twice", body: "b" };
    await c.call("create_document", args);
    await c.call("create_document", args);
    expect(await documentsTitled(tenant, "Twice")).toHaveLength(2);
    await c.close();
  });

  it("the Idempotency-Key header works like the _meta key; read-only tools ignore it", async () => {
    const tenant = await createTenant("pro");
    const key = uniqueKey();
    const c = await connect(lane, tenant.apiKey, { "idempotency-key": key });
    const args = { workspace_id: tenant.workspaceId, title: `Header ${key}`, body: "b" };
    const first = await c.call("create_document", args);
    const again = await c.call("create_document", args);
    expect(replayed(again)).toBe(true);
    expect(again.structuredContent).toEqual(first.structuredContent);
    expect(await documentsTitled(tenant, `Header ${key}`)).toHaveLength(1);
    // Reads under the same header run every time and are never marked.
    const list = await c.call("list_documents", { workspace_id: tenant.workspaceId });
    expect(list.isError).toBeFalsy();
    expect(replayed(list)).toBe(false);
    expect(list.structuredContent?.documents.length).toBe(4);
    await c.close();
  });

  it("the same key for another tool or other arguments is -32602 and runs nothing", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const key = uniqueKey();
    await c.call("create_document", { workspace_id: tenant.workspaceId, title: `A ${key}`, body: "b" }, key);
    const other = await refusal(
      c.call("create_document", { workspace_id: tenant.workspaceId, title: `B ${key}`, body: "b" }, key),
    );
    expect(other.code).toBe(-32602);
    expect(other.message).toContain("Idempotency key already used for another call");
    const tool = await refusal(c.call("create_workspace", { name: `W ${key}` }, key));
    expect(tool.code).toBe(-32602);
    expect(tool.message).toContain("tool create_document");
    expect(await documentsTitled(tenant, `B ${key}`)).toEqual([]);
    const ws = await tenant.placement.admin.query("select 1 from workspaces where tenant_id = $1 and name = $2", [
      tenant.id,
      `W ${key}`,
    ]);
    expect(ws).toEqual([]);
    await c.close();
  });

  it("concurrent calls with one key run once and all get the one answer", async () => {
    const tenant = await createTenant("pro");
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => connect(lane, tenant.apiKey)));
    const key = uniqueKey();
    const args = { workspace_id: tenant.workspaceId, title: `Race ${key}`, body: "b" };
    const results = await Promise.all(clients.map((c) => c.call("create_document", args, key)));
    const ids = await documentsTitled(tenant, `Race ${key}`);
    expect(ids).toHaveLength(1);
    for (const r of results) expect(r.structuredContent?.document.id).toBe(ids[0]);
    expect(results.filter(replayed)).toHaveLength(4);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("another tenant, or another credential of the same tenant, reusing a key is independent", async () => {
    const [a, b] = await Promise.all([createTenant("pro"), createTenant("pro")]);
    const second = await createKey(controlDeps, a.slug, { name: "second" });
    const key = uniqueKey();
    const run = async (apiKey: string, tenant: TestTenant, title: string): Promise<Result> => {
      const c = await connect(lane, apiKey);
      const r = await c.call("create_document", { workspace_id: tenant.workspaceId, title, body: "b" }, key);
      await c.close();
      return r;
    };
    const mine = await run(a.apiKey, a, `Mine ${key}`);
    // Same key, other arguments: would be -32602 under the same credential, and is a call of its own here.
    const otherCredential = await run(second.apiKey, a, `Second key ${key}`);
    const otherTenant = await run(b.apiKey, b, `Other tenant ${key}`);
    for (const r of [mine, otherCredential, otherTenant]) {
      expect(r.isError).toBeFalsy();
      expect(replayed(r)).toBe(false);
    }
    expect(await documentsTitled(a, `Second key ${key}`)).toHaveLength(1);
    expect(await documentsTitled(b, `Other tenant ${key}`)).toHaveLength(1);
    // And the first credential's retry still replays its own answer.
    const retry = await run(a.apiKey, a, `Mine ${key}`);
    expect(replayed(retry)).toBe(true);
    expect(retry.structuredContent).toEqual(mine.structuredContent);
  });

  it("refuses malformed keys with -32602 and a message that says what a key must be", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const args = { workspace_id: tenant.workspaceId, title: "Malformed", body: "b" };
    for (const bad of ["", "has space", "tab\there", "é-accent", "x".repeat(256), 42, { k: 1 }]) {
      const r = await refusal(c.call("create_document", args, bad));
      expect(r.code, JSON.stringify(bad)).toBe(-32602);
      expect(r.message).toMatch(/Invalid idempotency key/);
    }
    // 255 visible ASCII characters are a key.
    const longest = `${"~".repeat(200)}${uniqueKey()}`.slice(0, 255);
    expect((await c.call("create_document", args, longest)).isError).toBeFalsy();
    expect(await documentsTitled(tenant, "Malformed")).toHaveLength(1);
    // A read-only tool ignores the key, even a malformed one.
    expect((await c.call("list_workspaces", {}, "has space")).isError).toBeFalsy();
    await c.close();
  });

  it("an update replays its first answer even after another change, and does not run again", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const id = tenant.documentIds[0];
    const key = uniqueKey();
    const first = await c.call("update_document", { id, title: "Keyed title" }, key);
    await c.call("update_document", { id, title: "Later title" });
    const retry = await c.call("update_document", { id, title: "Keyed title" }, key);
    expect(replayed(retry)).toBe(true);
    expect(retry.structuredContent).toEqual(first.structuredContent);
    const [row] = await tenant.placement.admin.query<{ title: string }>("select title from documents where id = $1", [
      id,
    ]);
    expect(row?.title).toBe("Later title");
    await c.close();
  });

  it("a domain failure is stored too: a retry gets the same answer", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const key = uniqueKey();
    const missing = crypto.randomUUID();
    const first = await c.call("create_document", { workspace_id: missing, title: "Nowhere", body: "b" }, key);
    expect(first.isError).toBe(true);
    const retry = await c.call("create_document", { workspace_id: missing, title: "Nowhere", body: "b" }, key);
    expect(retry).toMatchObject({ isError: true, content: first.content });
    expect(replayed(retry)).toBe(true);
    await c.close();
  });

  it("an expired key runs the call again, and the Cron Trigger sweeps expired keys", async () => {
    const tenant = await createTenant("pro");
    const c = await connect(lane, tenant.apiKey);
    const key = uniqueKey();
    const args = { workspace_id: tenant.workspaceId, title: `Expiring ${key}`, body: "b" };
    await c.call("create_document", args, key);
    const [kept] = await tenant.placement.admin.query<{ hours: number }>(
      "select extract(epoch from expires_at - created_at) / 3600 as hours from idempotency_keys where key = $1",
      [key],
    );
    expect(Number(kept?.hours)).toBeGreaterThanOrEqual(24);
    await tenant.placement.admin.query(
      "update idempotency_keys set expires_at = now() - interval '1 second' where key = $1",
      [key],
    );
    const again = await c.call("create_document", args, key);
    expect(replayed(again)).toBe(false);
    expect(await documentsTitled(tenant, `Expiring ${key}`)).toHaveLength(2);
    await tenant.placement.admin.query(
      "update idempotency_keys set expires_at = now() - interval '1 second' where key = $1",
      [key],
    );
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
    expect(await tenant.placement.admin.query("select 1 from idempotency_keys where key = $1", [key])).toEqual([]);
    await c.close();
  }, 60_000);
});

describe("idempotency keys on every isolation tier", () => {
  it.each(TIERS)("%s: a keyed write runs once and replays", async (tier) => {
    const lacks = tierLacks(tier);
    if (lacks) return void console.warn(`skipped: ${lacks}`);
    const tenant = await createTenant("pro", { tier });
    for (const lane of LANES) {
      const c = await connect(lane, tenant.apiKey);
      const key = uniqueKey();
      const args = { workspace_id: tenant.workspaceId, title: `Tier ${lane} ${key}`, body: "b" };
      const first = await c.call("create_document", args, key);
      const again = await c.call("create_document", args, key);
      expect(replayed(again)).toBe(true);
      expect(again.structuredContent).toEqual(first.structuredContent);
      expect(await documentsTitled(tenant, `Tier ${lane} ${key}`)).toHaveLength(1);
      await c.close();
    }
  });
});

describe("delete_document under a key (stateless lane)", () => {
  const accept = { confirm: { action: "accept", content: { confirm: true } } };
  const round = async (tenant: TestTenant, id: string, key: string, retry: Record<string, unknown> = {}) => {
    const message = statelessMessage(
      "tools/call",
      { name: "delete_document", arguments: { id }, ...retry, _meta: { [IDEMPOTENCY_META_KEY]: key } },
      { capabilities: { elicitation: { form: {} } } },
    );
    return replyOf(await postStateless(message, { authorization: `Bearer ${tenant.apiKey}` }));
  };

  it("the confirming round, resent with its key, replays 'deleted' instead of 'not found'", async () => {
    const tenant = await createTenant("pro");
    const key = uniqueKey();
    const id = tenant.documentIds[0] as string;
    // Asking writes nothing, so it claims nothing: the key goes with the round that deletes.
    const asked = await round(tenant, id, key);
    expect(asked.result.resultType).toBe("input_required");
    const confirm = { inputResponses: accept, requestState: asked.result.requestState };
    const first = await round(tenant, id, key, confirm);
    expect(first.result).toMatchObject({ structuredContent: { deleted: true, document: { id } } });
    // The answer to that round was lost; the client sends it again.
    const again = await round(tenant, id, key, confirm);
    expect(again.result._meta?.[IDEMPOTENT_REPLAY_META_KEY]).toBe(true);
    expect(again.result.structuredContent).toEqual(first.result.structuredContent);
    // Under a new key the same round runs again, and finds nothing to delete.
    const unkeyed = await round(tenant, id, uniqueKey(), confirm);
    expect(unkeyed.result).toMatchObject({ isError: true, content: [{ text: "Document not found." }] });
  });
});

describe("reading a key and hashing a call (pure)", () => {
  it("takes the key from _meta or the header, and refuses both when they differ", () => {
    expect(readIdempotencyKey({ [IDEMPOTENCY_META_KEY]: "a" }, null)).toEqual({ ok: true, key: "a" });
    expect(readIdempotencyKey({}, "b")).toEqual({ ok: true, key: "b" });
    expect(readIdempotencyKey(undefined, null)).toEqual({ ok: true });
    expect(readIdempotencyKey({ [IDEMPOTENCY_META_KEY]: "a" }, "a")).toEqual({ ok: true, key: "a" });
    expect(readIdempotencyKey({ [IDEMPOTENCY_META_KEY]: "a" }, "b")).toMatchObject({ ok: false });
    expect(readIdempotencyKey({}, "")).toMatchObject({ ok: false });
    expect(readIdempotencyKey({}, "\u007f")).toMatchObject({ ok: false });
  });

  it("hashes the same arguments the same in any key order, and other arguments otherwise", async () => {
    const a = await requestHash("t", { b: [1, { y: 2, x: 1 }], a: "s", u: undefined });
    expect(await requestHash("t", { a: "s", b: [1, { x: 1, y: 2 }] })).toBe(a);
    expect(await requestHash("t", { a: "s", b: [1, { x: 1, y: 3 }] })).not.toBe(a);
    expect(await requestHash("other", { a: "s", b: [1, { x: 1, y: 2 }] })).not.toBe(a);
  });
});
