// Retention by plan: audit rows older than the tenant's plan keeps them (free 30 days, pro 90, enterprise 365) are
// deleted in batches by the Cron Trigger, younger ones never, and the Worker's role still cannot delete by itself.
import { createScheduledController, env } from "cloudflare:test";
import { neon } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { purgeExpiredAudit } from "../../src/audit/retention.ts";
import { adminTenant } from "./admin-support.ts";
import { admin, cloud } from "./support/fixtures.ts";

/** Inserts one audit row per age (days ago) for the tenant, as the superuser; returns their request ids by age. */
async function seed(tenantId: string, ages: number[]): Promise<void> {
  for (const days of ages) {
    await admin.query(
      `insert into public.audit_log (tenant_id, request_id, key_id, tool, status, duration_ms, called_at)
       values ($1, $2, 'k', 'list_workspaces', 'ok', 1, now() - make_interval(days => $3) - interval '1 hour')`,
      [tenantId, `age-${days}`, days],
    );
  }
}

async function ages(tenantId: string): Promise<string[]> {
  const rows = (await admin.query(
    "select request_id from public.audit_log where tenant_id = $1 and request_id like 'age-%' order by called_at",
    [tenantId],
  )) as Array<{ request_id: string }>;
  return rows.map((r) => r.request_id);
}

describe("audit retention", () => {
  it("deletes each tenant's rows past its plan's retention and keeps the rest", async () => {
    const [free, pro, enterprise] = await Promise.all([
      adminTenant("free"),
      adminTenant("pro"),
      adminTenant("enterprise"),
    ]);
    await seed(free.id, [400, 100, 31, 29, 1]);
    await seed(pro.id, [400, 100, 89, 31, 1]);
    await seed(enterprise.id, [400, 364, 100, 1]);

    await purgeExpiredAudit(neon(cloud.appDatabaseUrl), 100);
    expect(await ages(free.id)).toEqual(["age-29", "age-1"]);
    expect(await ages(pro.id)).toEqual(["age-89", "age-31", "age-1"]);
    expect(await ages(enterprise.id)).toEqual(["age-364", "age-100", "age-1"]);
  });

  it("runs from the Cron Trigger", async () => {
    const t = await adminTenant("free");
    await seed(t.id, [45, 2]);
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
    expect(await ages(t.id)).toEqual(["age-2"]);
    // The Cron Trigger also flushes the whole audit queue, which every test file's tenants share.
  }, 60_000);

  it("the Worker's role cannot delete audit rows itself, and the purge never deletes rows younger than 30 days", async () => {
    const t = await adminTenant("free");
    await seed(t.id, [40, 20]);
    const app = neon(cloud.appDatabaseUrl);
    await expect(
      app.transaction([
        app.query("select set_config('app.tenant_id', $1, true)", [t.id]),
        app.query("delete from public.audit_log"),
      ]),
    ).rejects.toMatchObject({ code: "42501" });
    // As the pruner role itself (as if the function were replaced by one that asks for everything): the policies
    // still hide rows younger than 30 days.
    await expect(
      admin.transaction([
        admin.query("set local role tenant_mcp_audit_pruner"),
        admin.query("delete from public.audit_log where tenant_id = $1", [t.id]),
      ]),
    ).resolves.toBeDefined();
    expect(await ages(t.id)).toEqual(["age-20"]);
  });
});
