// The audit log: one row per tools/call, written after the response, readable only within its tenant, and a
// failed write never reaches the client.
import { neon } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { createAuditSink } from "../../src/audit/sink.ts";
import { createLogger } from "../../src/log/logger.ts";
import { callTool } from "../../src/mcp/call-tool.ts";
import { findTool } from "../../src/tools/registry.ts";
import type { Feature } from "../../src/tenancy/tenant.ts";
import type { Tool, ToolContext } from "../../src/tools/types.ts";
import { createTenantDb } from "../../src/db/tenant-db.ts";
import { listKeys } from "../../scripts/lib/keys.ts";
import { ownerTransaction } from "../../scripts/lib/owner-sql.ts";
import { usage } from "../../scripts/lib/usage.ts";
import { adminTenant, deps, settledClient } from "./admin-support.ts";
import { cloud } from "./support/fixtures.ts";

interface AuditRow {
  tenant_id: string;
  key_id: string;
  session_id: string | null;
  request_id: string;
  tool: string;
  status: string;
  duration_ms: number;
  called_at: Date;
}

/** The audit rows of one tenant, read as the CLI reads them: the owner role, scoped to the tenant. */
async function auditRows(tenantId: string): Promise<AuditRow[]> {
  const { results } = await ownerTransaction(deps.sql, { tenantId }, [{ text: "select * from public.audit_log order by called_at, id" }]);
  return (results[0] ?? []) as unknown as AuditRow[];
}

describe("audit log", () => {
  it("records successful and failing tool calls with key, session, request id, status and duration", async () => {
    const t = await adminTenant("pro");
    const client = await settledClient(t.apiKey);
    const ok = await client.callTool({ name: "list_workspaces", arguments: {} });
    expect(ok.isError).toBeFalsy();
    const bad = await client.callTool({ name: "get_document", arguments: { id: "not-a-uuid" } });
    expect(bad.isError).toBe(true);
    const missing = await client.callTool({ name: "get_document", arguments: { id: crypto.randomUUID() } });
    expect(missing.isError).toBe(true);

    const rows = await auditRows(t.id);
    // Sorted: calls within the same millisecond have no order.
    expect(rows.map((r) => `${r.tool} ${r.status}`).sort()).toEqual(["get_document error", "get_document error", "list_workspaces ok"]);
    const sessionId = client.transport?.sessionId;
    expect(sessionId).toBeTruthy();
    for (const r of rows) {
      expect(r).toMatchObject({ tenant_id: t.id, key_id: t.keyId, session_id: sessionId });
      expect(r.request_id).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
      expect(r.duration_ms).toBeGreaterThanOrEqual(0);
      expect(Math.abs(new Date(r.called_at).getTime() - Date.now())).toBeLessThan(60_000);
    }
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(3);
    await client.close();

    const report = await usage(deps, t.slug, 3600);
    expect(report.tools).toEqual([
      { tool: "get_document", calls: 2, errors: 2, p50Ms: expect.any(Number), p95Ms: expect.any(Number) },
      { tool: "list_workspaces", calls: 1, errors: 0, p50Ms: expect.any(Number), p95Ms: expect.any(Number) },
    ]);
    expect(report.total).toMatchObject({ calls: 3, errors: 2 });

    // The same transaction keeps last_used_at (at most once a minute per key).
    const [key] = await listKeys(deps, t.slug);
    expect(key?.lastUsedAt).not.toBeNull();
  });

  it("rows are visible only within their tenant; the Worker's role may only append, and only to its own tenant", async () => {
    const a = await adminTenant("free");
    const b = await adminTenant("free");
    const client = await settledClient(a.apiKey);
    await client.callTool({ name: "list_workspaces", arguments: {} });
    await client.close();

    expect(await auditRows(a.id)).toHaveLength(1);
    expect(await auditRows(b.id)).toHaveLength(0);

    const app = neon(cloud.appDatabaseUrl);
    const asApp = createTenantDb(app, a.id);
    await expect(asApp.query("select * from public.audit_log")).rejects.toMatchObject({ code: "42501" });
    const insert = `insert into public.audit_log (tenant_id, request_id, key_id, tool, status, duration_ms) values ($1, 'r-forged-1', 'k', 't', 'ok', 1)`;
    await expect(asApp.query(insert, [b.id])).rejects.toMatchObject({ code: "42501" }); // WITH CHECK
    await expect(asApp.query("delete from public.audit_log")).rejects.toMatchObject({ code: "42501" });
    await expect(asApp.query("update public.audit_log set status = 'ok'")).rejects.toMatchObject({ code: "42501" });
    expect(await auditRows(b.id)).toHaveLength(0);
  });

  it("a failed write is logged with the row and never changes the tool's answer", async () => {
    const t = await adminTenant("free");
    const tool = findTool("get_document") as Tool;
    const lines: string[] = [];
    const pending: Promise<unknown>[] = [];
    const broken = neon(cloud.appDatabaseUrl.replace(/\/[^/]*$/, "/no_such_database"));
    const log = createLogger({ request_id: "req-audit-fail" }, (line) => lines.push(line));
    const ctx = (audit: boolean): ToolContext => ({
      tenant: { id: t.id, slug: t.slug, name: "x", plan: "free", features: new Set<Feature>(["core"]), rateLimitPerMinute: 60, status: "active", config: {} },
      db: createTenantDb(neon(cloud.appDatabaseUrl), t.id),
      log,
      requestId: "req-audit-fail",
      signal: new AbortController().signal,
      progress: async () => {},
      limits: { maxWorkspacesPerTenant: 100 },
      ...(audit
        ? {
            audit: createAuditSink(
              { sql: broken, requestId: "req-audit-fail", fields: { key_id: t.keyId }, waitUntil: (p) => void pending.push(p), log },
              t.id,
            ),
          }
        : {}),
    });
    const args = { id: crypto.randomUUID() };
    const withAudit = await callTool(tool, args, ctx(true));
    expect(withAudit).toEqual(await callTool(tool, args, ctx(false)));

    await Promise.all(pending); // the sink swallows the failure: nothing rejects
    const failures = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "audit log write failed");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: "error", request_id: "req-audit-fail", audit: { tool: "get_document", status: "error", key_id: t.keyId } });
    expect(await auditRows(t.id)).toHaveLength(0);
  });
});
