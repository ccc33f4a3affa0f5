// MCP tasks (SEP-2663) in the 2026-07-28 lane, end to end with the v2 SDK client: a task-augmented call answers at
// once and the tool runs on the Workflow engine (src/tasks/workflow.ts) after that request has ended; tasks/get,
// tasks/update and tasks/cancel from later requests; failures; expiry and the per-tenant limit in Redis; and another
// tenant's or another credential's task ids, which must read as unknown.
//
// The task methods go through the v2 client. A `tools/call` goes out as the same client's wire message, posted raw:
// the v2 client (2.4.0) refuses a `resultType: "task"` answer (SdkError UnsupportedResultType), and the tasks
// extension's own client package needs a raw dispatcher of its own for 2026-07-28.
import { SELF } from "cloudflare:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { createKey } from "../../src/control/keys.ts";
import { taskIndexKey, taskKey } from "../../src/redis/keys.ts";
import { EXPORT_TASK_MIN_DOCUMENTS } from "../../src/tools/export/export-workspace.ts";
import { controlDeps, createTenant, MCP_URL, shards, type TestTenant } from "./support/fixtures.ts";
import { postStateless, replyOf, STATELESS, statelessMessage } from "./support/stateless.ts";

const TASKS = "io.modelcontextprotocol/tasks";
const Loose = z.looseObject({});
type Reply = Record<string, any>;

/** The capabilities every client here declares: elicitation, and the tasks extension unless told otherwise. */
const capabilities = (tasks: boolean): Record<string, unknown> => ({
  elicitation: { form: {} },
  ...(tasks ? { extensions: { [TASKS]: {} } } : {}),
});
// Which key and capabilities a client was made with, for its raw tools/call.
const made = new WeakMap<Client, { apiKey: string; tasks: boolean }>();

/** A v2 client pinned to 2026-07-28, declaring the tasks extension (or not) and elicitation. */
async function connect(apiKey: string, tasks = true): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: (url, init) => SELF.fetch(String(url), init as RequestInit),
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
  });
  const client = new Client(
    { name: "tasks-test", version: "1.0.0" },
    {
      versionNegotiation: { mode: { pin: STATELESS } },
      capabilities: capabilities(tasks) as never,
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    },
  );
  await client.connect(transport);
  made.set(client, { apiKey, tasks });
  return client;
}

/** `tools/call` as client `c` sends it (envelope, standard and Mcp-Param headers); rejects with the JSON-RPC error. */
async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<Reply> {
  const { apiKey, tasks } = made.get(c) as { apiKey: string; tasks: boolean };
  const message = statelessMessage("tools/call", { name, arguments: args }, { capabilities: capabilities(tasks) });
  const reply = await replyOf(await postStateless(message, { authorization: `Bearer ${apiKey}` }));
  if (reply.error) throw reply.error;
  return reply.result;
}
const get = (c: Client, taskId: string): Promise<Reply> =>
  c.request({ method: "tasks/get", params: { taskId } } as never, Loose) as Promise<Reply>;
const cancel = (c: Client, taskId: string): Promise<Reply> =>
  c.request({ method: "tasks/cancel", params: { taskId } } as never, Loose) as Promise<Reply>;
const update = (c: Client, taskId: string, inputResponses: Record<string, unknown>): Promise<Reply> =>
  c.request({ method: "tasks/update", params: { taskId, inputResponses } } as never, Loose) as Promise<Reply>;

/**
 * The fields of an ack besides `_meta`: none (SEP-2663: an empty result). The client has already checked its
 * `resultType` ("complete", else it rejects) and taken it off.
 */
const ackFields = (ack: Reply): string[] => Object.keys(ack).filter((k) => k !== "_meta");

/** The JSON-RPC error code `p` rejects with. */
async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

/** Polls tasks/get until the task is in one of `statuses` (the engine works in the background; no fixed sleep). */
async function until(c: Client, taskId: string, statuses: string[], timeoutMs = 20_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await get(c, taskId);
    if (statuses.includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const TERMINAL = ["completed", "failed", "cancelled"];

let tenant: TestTenant;
let other: TestTenant;
let client: Client;
beforeAll(async () => {
  [tenant, other] = await Promise.all([
    createTenant("enterprise", { featuresAdd: ["conformance_fixtures"] }),
    createTenant("enterprise", { featuresAdd: ["conformance_fixtures"] }),
  ]);
  client = await connect(tenant.apiKey);
});
afterAll(async () => {
  await client?.close();
});

describe("a task's life", () => {
  it("answers at once with a task, readable at once, that completes after the request with the tool's result", async () => {
    const created = await call(client, "slow_compute", { seconds: 1, label: "life" });
    expect(created).toMatchObject({ resultType: "task", status: "working", ttlMs: 3_600_000, pollIntervalMs: 1000 });
    expect(created).not.toHaveProperty("result");
    expect(created).not.toHaveProperty("requestState");
    // Durable before the answer: a tasks/get right away resolves.
    expect((await get(client, created.taskId)).taskId).toBe(created.taskId);
    const done = await until(client, created.taskId, TERMINAL);
    expect(done.status).toBe("completed");
    expect(done.result.content).toEqual([{ type: "text", text: "Computed life after 1s." }]);
  });

  it("a tool error completes the task with isError; a thrown error fails it with a JSON-RPC error and no result", async () => {
    const [failing, crashing] = await Promise.all([call(client, "failing_job"), call(client, "protocol_error_job")]);
    const failed = await until(client, failing.taskId, TERMINAL);
    expect(failed.status).toBe("completed");
    expect(failed.result.isError).toBe(true);
    const crashed = await until(client, crashing.taskId, TERMINAL);
    expect(crashed).toMatchObject({ status: "failed", error: { code: -32603, message: "The job crashed" } });
    expect(crashed).not.toHaveProperty("result");
  });

  it("cancel is acked empty, settles the task cancelled, and is idempotent; the tool's late end changes nothing", async () => {
    const created = await call(client, "slow_compute", { seconds: 2, label: "cancel" });
    expect(ackFields(await cancel(client, created.taskId))).toEqual([]);
    expect((await get(client, created.taskId)).status).toBe("cancelled");
    expect(ackFields(await cancel(client, created.taskId))).toEqual([]);
    // Past the tool's own end: still cancelled.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await get(client, created.taskId)).status).toBe("cancelled");
  });

  it("asks for input while it runs and resumes on tasks/update, answers arriving one key at a time", async () => {
    const created = await call(client, "multi_input");
    const waiting = await until(client, created.taskId, ["input_required", ...TERMINAL]);
    expect(Object.keys(waiting.inputRequests).sort()).toEqual(["first", "second"]);
    const yes = { action: "accept", content: { confirm: true } };
    expect(ackFields(await update(client, created.taskId, { first: yes, stray: yes }))).toEqual([]);
    const half = await get(client, created.taskId);
    expect(half.status).toBe("input_required");
    expect(Object.keys(half.inputRequests)).toEqual(["second"]);
    await update(client, created.taskId, { second: yes });
    const done = await until(client, created.taskId, TERMINAL);
    expect(done.result.content[0].text).toBe("first: true; second: true");
  });

  it("two partial answers sent at once both count: neither update loses the other's answer", async () => {
    const created = await call(client, "multi_input");
    await until(client, created.taskId, ["input_required", ...TERMINAL]);
    const yes = { action: "accept", content: { confirm: true } };
    await Promise.all([
      update(client, created.taskId, { first: yes }),
      update(client, created.taskId, { second: yes }),
    ]);
    const done = await until(client, created.taskId, TERMINAL);
    expect(done.result.content[0].text).toBe("first: true; second: true");
  });

  it("expires with its TTL: the record lives in Redis no longer than ttlMs, and an expired task is unknown", async () => {
    const created = await call(client, "slow_compute", { seconds: 0 });
    const redis = shards.forTenant(tenant.id);
    const pttl = await redis.pttl(taskKey(tenant.id, created.taskId));
    expect(pttl).toBeGreaterThan(3_500_000);
    expect(pttl).toBeLessThanOrEqual(created.ttlMs);
    // Expiry itself is Redis's: end the record now instead of waiting an hour.
    await redis.pexpire(taskKey(tenant.id, created.taskId), 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await codeOf(get(client, created.taskId))).toBe(-32602);
  });
});

describe("whose task it is", () => {
  it("another tenant's key, or another key of the same tenant, cannot read, update or cancel a task", async () => {
    const created = await call(client, "slow_compute", { seconds: 2, label: "mine" });
    const second = await createKey(controlDeps, tenant.slug, { name: "second" });
    const intruders = [await connect(other.apiKey), await connect(second.apiKey)];
    for (const intruder of intruders) {
      expect(await codeOf(get(intruder, created.taskId))).toBe(-32602);
      expect(await codeOf(cancel(intruder, created.taskId))).toBe(-32602);
      expect(await codeOf(update(intruder, created.taskId, {}))).toBe(-32602);
      await intruder.close();
    }
    // Untouched: it completes for its owner.
    expect((await until(client, created.taskId, TERMINAL)).status).toBe("completed");
  });

  it("a client without the extension gets sync results, -32021 for required-task tools and the task methods", async () => {
    const plain = await connect(tenant.apiKey, false);
    const sync = await call(plain, "slow_compute", { seconds: 0, label: "sync" });
    expect(sync.resultType).toBe("complete");
    expect(sync).not.toHaveProperty("taskId");
    expect(await codeOf(call(plain, "failing_job"))).toBe(-32021);
    expect(await codeOf(get(plain, crypto.randomUUID()))).toBe(-32021);
    await plain.close();
  });
});

describe("the tenant's task limit", () => {
  it("refuses a new task at TASK_MAX_PER_TENANT unexpired tasks, with a clear error; expired ones do not count", async () => {
    const t = await createTenant("free", { featuresAdd: ["conformance_fixtures"] });
    const c = await connect(t.apiKey);
    const redis = shards.forTenant(t.id);
    const index = taskIndexKey(t.id);
    const now = Date.now();
    // 100 (the default limit) tasks the tenant holds, as the index counts them, all long expired: they do not count.
    const ids = Array.from({ length: 100 }, () => crypto.randomUUID());
    await redis.zadd(index, ...(ids.map((id) => ({ score: now - 1000, member: id })) as [never]));
    expect((await call(c, "slow_compute", { seconds: 0 })).resultType).toBe("task");
    // Now 100 live ones (the one just made is among the 100 after this).
    await redis.zadd(index, ...(ids.slice(1).map((id) => ({ score: now + 3_600_000, member: id })) as [never]));
    const refused = await call(c, "slow_compute", { seconds: 0 }).then(
      () => undefined,
      (err: { code?: number; message?: string }) => err,
    );
    expect(refused?.code).toBe(-32600);
    expect(refused?.message).toMatch(/Task limit reached: this tenant already holds 100 tasks/);
    // Another tenant is not affected.
    expect((await call(client, "slow_compute", { seconds: 0 })).resultType).toBe("task");
    await c.close();
  });
});

describe("export_workspace", () => {
  it("runs in the request for a small workspace, and as a task whose result is the export resource for a large one", async () => {
    const small = await call(client, "export_workspace", { workspace_id: tenant.workspaceId });
    expect(small.resultType).toBe("complete");

    const big = crypto.randomUUID();
    const n = EXPORT_TASK_MIN_DOCUMENTS + 1;
    await tenant.placement.admin.transaction([
      { text: "insert into workspaces (tenant_id, id, name) values ($1, $2, 'Big')", params: [tenant.id, big] },
      {
        text: "insert into documents (tenant_id, id, workspace_id, title, body) select $1, gen_random_uuid(), $2, 'Doc ' || i, 'Body' from generate_series(1, $3::int) i",
        params: [tenant.id, big, n],
      },
    ]);
    const created = await call(client, "export_workspace", { workspace_id: big });
    expect(created.resultType).toBe("task");
    const done = await until(client, created.taskId, TERMINAL, 60_000);
    expect(done.status).toBe("completed");
    expect(done.result.structuredContent).toMatchObject({ workspace_id: big, document_count: n });
    const [resource] = done.result.content;
    expect(resource.resource.uri).toBe(`tenant-mcp://exports/workspaces/${big}.jsonl`);
    expect(resource.resource.text.trim().split("\n")).toHaveLength(n);
  });
});
