// Audit rows off the request path: a tool call queues its row in Redis; the flush (the Cron Trigger, or the request
// whose row fills a batch) moves rows to Postgres in batches, exactly once, however often it runs, races or dies.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { neon } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { flushTenants, type FlushDeps } from "../../src/audit/flush.ts";
import { serializeRow } from "../../src/audit/queued-row.ts";
import { ownerTransaction } from "../../src/control/owner-sql.ts";
import { createLogger } from "../../src/log/logger.ts";
import { auditQueueKey, auditTenantsKey } from "../../src/redis/keys.ts";
import { adminTenant, deps, settledStatelessCall } from "./admin-support.ts";
import { cloud, redis } from "./support/fixtures.ts";

const quiet = createLogger({}, () => {});
const flushDeps: FlushDeps = { sql: neon(cloud.appDatabaseUrl), redis, log: quiet };

/** The tenant's audit rows in Postgres, as the CLI reads them. */
async function storedRows(tenantId: string): Promise<Array<{ request_id: string; tool: string; status: string }>> {
  const { results } = await ownerTransaction(deps.sql, { tenantId }, [
    { text: "select request_id, tool, status from public.audit_log order by request_id" },
  ]);
  return (results[0] ?? []) as never;
}

/** `n` settled `list_workspaces` calls (sequential, so their rows queue in order); their request ids. */
async function calls(apiKey: string, n: number, vars: Partial<Env> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await settledStatelessCall(apiKey, "list_workspaces", {}, {}, vars);
    expect(res.status).toBe(200);
    ids.push(res.headers.get("x-request-id") as string);
  }
  return ids.sort();
}

describe("audit flush", () => {
  it("a call queues its row in Redis and writes nothing to Postgres; one flush moves the rows, once", async () => {
    const t = await adminTenant("free");
    const ids = await calls(t.apiKey, 3);
    expect(await redis.llen(auditQueueKey(t.id))).toBeGreaterThan(0);
    expect(await redis.sismember(auditTenantsKey(), t.id)).toBe(1);

    // Its own tenant's list only: other files' tenants share the queue, and the whole-queue flush is tested below.
    await flushTenants(flushDeps, [t.id], 100);
    expect((await storedRows(t.id)).map((r) => r.request_id)).toEqual(ids);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(0);
    // A flush with nothing left adds nothing.
    await flushTenants(flushDeps, [t.id], 100);
    expect(await storedRows(t.id)).toHaveLength(3);
  });

  it("a flush killed after its insert and before removing the rows: the next flush inserts nothing twice", async () => {
    const t = await adminTenant("free");
    const ids = await calls(t.apiKey, 4);
    // The insert commits; the process dies before the rows leave Redis.
    const dying: FlushDeps = {
      ...flushDeps,
      redis: {
        ...pick(redis),
        eval: () => Promise.reject(new Error("killed")),
      },
    };
    await expect(flushTenants(dying, [t.id], 100)).rejects.toThrow("killed");
    expect(await storedRows(t.id)).toHaveLength(4);
    // Re-run: everything again, as the cron would, two flushes racing, batch after batch.
    const drain = async () => {
      while ((await flushTenants(flushDeps, [t.id], 3)).read > 0);
    };
    await Promise.all([drain(), drain()]);
    expect((await storedRows(t.id)).map((r) => r.request_id)).toEqual(ids);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(0);
  });

  it("a flush whose insert fails loses nothing: the rows stay queued and the next flush moves them", async () => {
    const t = await adminTenant("free");
    const ids = await calls(t.apiKey, 2);
    // Out of the set the whole-queue flush reads, so another file's Cron Trigger cannot move the rows meanwhile.
    await redis.srem(auditTenantsKey(), t.id);
    const refused: FlushDeps = { ...flushDeps, sql: neon(cloud.appDatabaseUrl.replace(/\/[^/]*$/, "/no_such_db")) };
    await expect(flushTenants(refused, [t.id], 100)).rejects.toThrow();
    expect(await storedRows(t.id)).toHaveLength(0);
    await flushTenants(flushDeps, [t.id], 100);
    expect((await storedRows(t.id)).map((r) => r.request_id)).toEqual(ids);
  });

  it("the request whose row fills a batch flushes it; the rest waits for the Cron Trigger", async () => {
    const t = await adminTenant("free");
    const ids = await calls(t.apiKey, 5, { AUDIT_FLUSH_BATCH_SIZE: "2" });
    // Rows 1-2 and 3-4 went with the 2nd and 4th call (unless another test's flush took them first: same result).
    const stored = await storedRows(t.id);
    expect(stored.length).toBeGreaterThanOrEqual(4);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
    await waitOnExecutionContext(ctx);
    expect((await storedRows(t.id)).map((r) => r.request_id)).toEqual(ids);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(0);
    // The whole queue: every test file's tenants share it, so in a full parallel run it can hold thousands of rows.
  }, 60_000);

  it("rows of a tenant this database does not know stay queued; other tenants' rows still move", async () => {
    const t = await adminTenant("free");
    const ids = await calls(t.apiKey, 1);
    const ghost = crypto.randomUUID();
    // A row of another deployment's tenant (the test projects share a Redis db), read before this tenant's rows.
    const foreign = serializeRow({
      id: crypto.randomUUID(),
      tenant_id: ghost,
      called_at: new Date().toISOString(),
      request_id: "req-ghost-0001",
      key_id: "k_ghost",
      session_id: null,
      tool: "list_workspaces",
      status: "ok",
      call_id: null,
      duration_ms: 1,
      credential_kind: "api_key",
      subject: null,
    });
    await redis.rpush(auditQueueKey(ghost), foreign);
    await redis.sadd(auditTenantsKey(), ghost);
    try {
      await flushTenants(flushDeps, [ghost, t.id], 100);
      expect((await storedRows(t.id)).map((r) => r.request_id)).toEqual(ids);
      expect(await redis.llen(auditQueueKey(ghost))).toBe(1);
    } finally {
      await redis.del(auditQueueKey(ghost));
      await redis.srem(auditTenantsKey(), ghost);
    }
  });

  it("an unreadable row is logged and dropped instead of blocking the rows behind it", async () => {
    const t = await adminTenant("free");
    await redis.rpush(auditQueueKey(t.id), "not json", JSON.stringify({ id: "x" }));
    await redis.sadd(auditTenantsKey(), t.id);
    const ids = await calls(t.apiKey, 1);
    const lines: string[] = [];
    await flushTenants({ ...flushDeps, log: createLogger({}, (l) => lines.push(l)) }, [t.id], 100);
    expect((await storedRows(t.id)).map((r) => r.request_id)).toEqual(ids);
    expect(lines.filter((l) => l.includes("audit row unreadable"))).toHaveLength(2);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(0);
  });
});

/** The Redis methods a flush uses, bound to the real client, so one of them can be replaced. */
function pick(r: typeof redis): FlushDeps["redis"] {
  return {
    lrange: r.lrange.bind(r),
    eval: r.eval.bind(r),
    llen: r.llen.bind(r),
    smembers: r.smembers.bind(r),
  } as FlushDeps["redis"];
}
