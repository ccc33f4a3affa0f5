// The audit flush against a Postgres that refuses it, or that commits the batch and then loses the answer (the flush
// dies not knowing): nothing is lost and nothing is written twice. Faults are injected by the local cloud
// (local-cloud/faults.ts) and hit only the flush's statement.
import { neon } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { flushTenants, type FlushDeps } from "../../src/audit/flush.ts";
import { ownerTransaction } from "../../src/control/owner-sql.ts";
import { createLogger } from "../../src/log/logger.ts";
import { auditQueueKey } from "../../src/redis/keys.ts";
import { adminTenant, deps, settledStatelessCall } from "../worker/admin-support.ts";
import { cloud, redis } from "../worker/support/fixtures.ts";
import { clearFaults, clearFaultsAfterEach, faultHits, injectFaults } from "./support/faults.ts";

clearFaultsAfterEach();

const flushDeps: FlushDeps = { sql: neon(cloud.appDatabaseUrl), redis, log: createLogger({}, () => {}) };
// Each test flushes its own tenant's rows only: other files' tenants share the Redis queue, and a batch of theirs (whose
// rows this database may not know) must not be the one the injected fault hits.
const BATCH = 100;
const FLUSH_STATEMENT = "append_audit_rows";

async function storedRequestIds(tenantId: string): Promise<string[]> {
  const { results } = await ownerTransaction(deps.sql, { tenantId }, [
    { text: "select request_id from public.audit_log order by request_id" },
  ]);
  return (results[0] ?? []).map((r) => String(r.request_id));
}

async function calls(apiKey: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await settledStatelessCall(apiKey, "list_workspaces", {});
    expect(res.status).toBe(200);
    ids.push(res.headers.get("x-request-id") as string);
  }
  return ids.sort();
}

describe("audit flush under Postgres faults", () => {
  it("Postgres refuses the first flush: it throws, every row stays queued, the next flush moves each once", async () => {
    const t = await adminTenant("free");
    const ids = await calls(t.apiKey, 5);
    await injectFaults({ postgres: { mode: "refuse", match: FLUSH_STATEMENT } });
    await expect(flushTenants(flushDeps, [t.id], BATCH)).rejects.toThrow();
    expect(await faultHits("postgres", "refuse")).toBeGreaterThan(0);
    await clearFaults();
    expect(await storedRequestIds(t.id)).toEqual([]);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(5);

    await flushTenants(flushDeps, [t.id], BATCH);
    expect(await storedRequestIds(t.id)).toEqual(ids);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(0);
  });

  it("the batch commits and the answer is lost (the flush dies midway): re-run, each row is stored once", async () => {
    const t = await adminTenant("free");
    const ids = await calls(t.apiKey, 5);
    await injectFaults({ postgres: { mode: "refuse", phase: "response", match: FLUSH_STATEMENT } });
    await expect(flushTenants(flushDeps, [t.id], BATCH)).rejects.toThrow();
    await clearFaults();
    // Committed, but still queued: the flush never learned it had worked.
    expect(await storedRequestIds(t.id)).toEqual(ids);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(5);

    await flushTenants(flushDeps, [t.id], BATCH);
    expect(await storedRequestIds(t.id)).toEqual(ids);
    expect(await redis.llen(auditQueueKey(t.id))).toBe(0);
  });
});
