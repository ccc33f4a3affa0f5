// The audit log: one row per tools/call round trip saying what the client saw (ok, tool_error, protocol_error,
// input_required), written after the response, readable only within its tenant; a failed write never reaches the
// client. `usage` counts a multi-round-trip call once.
import { createExecutionContext, env } from "cloudflare:test";
import { neon } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { loadConfig } from "../../src/config.ts";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { createAuditSink } from "../../src/audit/sink.ts";
import { authenticate } from "../../src/auth/authenticate.ts";
import { createRequestContext } from "../../src/context.ts";
import { createLogger } from "../../src/log/logger.ts";
import { toolCallRecorder } from "../../src/audit/recorder.ts";
import { createTenantDb } from "../../src/db/tenant-db.ts";
import { listKeys } from "../../src/control/keys.ts";
import { ownerTransaction } from "../../src/control/owner-sql.ts";
import { usage } from "../../src/control/usage.ts";
import { adminTenant, deps, fetchSettled, flushAuditQueue, settledClient } from "./admin-support.ts";
import { admin, cloud, createTenant, MCP_URL, shards } from "./support/fixtures.ts";
import { STATELESS, statelessMessage, replyOf } from "./support/stateless.ts";
import { singleShard } from "../../src/redis/shards.ts";

interface AuditRow {
  tenant_id: string;
  key_id: string;
  session_id: string | null;
  request_id: string;
  tool: string;
  status: string;
  call_id: string | null;
  duration_ms: number;
  called_at: Date;
}

/** One raw POST to /mcp through the Worker, settled (its audit rows written), with the reply it carried. */
async function settledPost(
  message: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetchSettled(MCP_URL, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(message),
  });
  return { status: res.status, body: await replyOf(res) };
}

/** A 2026-07-28 `tools/call` as a stateless client sends it (envelope and standard headers), settled. */
function statelessCall(
  apiKey: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, any> }> {
  const message = statelessMessage("tools/call", params, { capabilities });
  const name: Record<string, string> = typeof params.name === "string" ? { "mcp-name": params.name } : {};
  return settledPost(message, {
    authorization: `Bearer ${apiKey}`,
    "mcp-protocol-version": STATELESS,
    "mcp-method": "tools/call",
    ...name,
  });
}

const ELICITATION = { elicitation: { form: {} } };
const ACCEPT = { confirm: { action: "accept", content: { confirm: true } } };
const outcomes = (rows: AuditRow[]): string[] => rows.map((r) => `${r.tool} ${r.status}`).sort();

/** The audit rows of one tenant, read as the CLI reads them: the owner role, scoped to the tenant. */
async function auditRows(tenantId: string): Promise<AuditRow[]> {
  await flushAuditQueue([tenantId]);
  const { results } = await ownerTransaction(deps.sql, { tenantId }, [
    { text: "select * from public.audit_log order by called_at, id" },
  ]);
  return (results[0] ?? []) as unknown as AuditRow[];
}

/** The principal the Worker admits for `apiKey`, verified as a request would be. */
async function principalOf(apiKey: string): Promise<Principal> {
  const request = new Request(MCP_URL, { method: "POST", headers: { authorization: `Bearer ${apiKey}` } });
  return authenticate(request, createRequestContext(request, env, createExecutionContext()));
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
    expect(outcomes(rows)).toEqual(["get_document tool_error", "get_document tool_error", "list_workspaces ok"]);
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
    const ms = { p50Ms: expect.any(Number), p95Ms: expect.any(Number) };
    expect(report.tools).toEqual([
      { tool: "get_document", calls: 2, ok: 0, toolErrors: 2, protocolErrors: 0, errors: 2, unanswered: 0, ...ms },
      { tool: "list_workspaces", calls: 1, ok: 1, toolErrors: 0, protocolErrors: 0, errors: 0, unanswered: 0, ...ms },
    ]);
    expect(report.total).toMatchObject({ calls: 3, ok: 1, toolErrors: 2, protocolErrors: 0, errors: 2, unanswered: 0 });

    // The same transaction keeps last_used_at (at most once a minute per key).
    const [key] = await listKeys(deps, t.slug);
    expect(key?.lastUsedAt).not.toBeNull();
  });

  it("session lane: a call refused with a JSON-RPC error is a protocol_error, not ok", async () => {
    const t = await adminTenant("free");
    const client = await settledClient(t.apiKey);
    await client.callTool({ name: "list_workspaces", arguments: {} });
    expect((await client.callTool({ name: "get_document", arguments: { id: "not-a-uuid" } })).isError).toBe(true);
    // A tool of a bigger plan: for this tenant, an unknown tool like any other.
    await expect(
      client.callTool({ name: "export_workspace", arguments: { workspace_id: crypto.randomUUID() } }),
    ).rejects.toMatchObject({ code: -32602 });
    await expect(client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toMatchObject({ code: -32602 });
    const session = client.transport?.sessionId as string;
    const invalid = await settledPost(
      { jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: "get_document", arguments: "not-an-object" } },
      { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    );
    expect(invalid.body.error).toMatchObject({ code: -32602 });
    // Asking for progress makes the answer an SSE stream, written after the response started: still recorded.
    const streamed = await settledPost(
      {
        jsonrpc: "2.0",
        id: 100,
        method: "tools/call",
        params: { name: "list_workspaces", arguments: {}, _meta: { progressToken: 1 } },
      },
      { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    );
    expect(streamed.body.result.isError).toBeFalsy();
    await client.close();

    const rows = await auditRows(t.id);
    expect(outcomes(rows)).toEqual([
      "export_workspace protocol_error",
      "get_document protocol_error",
      "get_document tool_error",
      "list_workspaces ok",
      "list_workspaces ok",
      "no_such_tool protocol_error",
    ]);
    for (const r of rows) expect(r).toMatchObject({ key_id: t.keyId, session_id: session, call_id: null });

    const report = await usage(deps, t.slug, 3600);
    expect(report.total).toMatchObject({ calls: 6, ok: 2, toolErrors: 1, protocolErrors: 3, errors: 4, unanswered: 0 });
  });

  it("2026-07-28 lane: ok, tool_error, and protocol_error for -32602 (unknown tool, invalid params) and -32021", async () => {
    const t = await adminTenant("free");
    expect((await statelessCall(t.apiKey, { name: "list_workspaces", arguments: {} })).body.result.isError).toBeFalsy();
    expect(
      (await statelessCall(t.apiKey, { name: "get_document", arguments: { id: "not-a-uuid" } })).body.result.isError,
    ).toBe(true);
    expect((await statelessCall(t.apiKey, { name: "no_such_tool", arguments: {} })).body.error).toMatchObject({
      code: -32602,
    });
    expect(
      (await statelessCall(t.apiKey, { name: "get_document", arguments: "not-an-object" })).body.error,
    ).toMatchObject({ code: -32602 });
    // The tool runs and asks for confirmation; the client declared no elicitation, so the SDK refuses the question.
    const refused = await statelessCall(t.apiKey, { name: "delete_document", arguments: { id: crypto.randomUUID() } });
    expect([refused.status, refused.body.error?.code]).toEqual([200, undefined]); // a missing id never asks
    const [ws] =
      await admin`insert into public.workspaces (tenant_id, id, name) values (${t.id}, gen_random_uuid(), 'W') returning id`;
    const [row] = await admin`insert into public.documents (tenant_id, id, workspace_id, title, body)
                              values (${t.id}, gen_random_uuid(), ${ws!.id}, 'Doc', 'Body') returning id`;
    const missing = await statelessCall(t.apiKey, { name: "delete_document", arguments: { id: row!.id } });
    expect([missing.status, missing.body.error?.code]).toEqual([400, -32021]);
    // Refused by the SDK before dispatch (Mcp-Name must match params.name): the client saw a JSON-RPC error too.
    const mismatch = await settledPost(statelessMessage("tools/call", { name: "list_documents", arguments: {} }), {
      authorization: `Bearer ${t.apiKey}`,
      "mcp-protocol-version": STATELESS,
      "mcp-method": "tools/call",
      "mcp-name": "list_workspaces",
    });
    expect(mismatch.body.error).toMatchObject({ code: -32020 });

    const rows = await auditRows(t.id);
    expect(outcomes(rows)).toEqual([
      "delete_document protocol_error",
      "delete_document tool_error",
      "get_document protocol_error",
      "get_document tool_error",
      "list_documents protocol_error",
      "list_workspaces ok",
      "no_such_tool protocol_error",
    ]);
    for (const r of rows) expect(r).toMatchObject({ key_id: t.keyId, session_id: null, call_id: null });
    const report = await usage(deps, t.slug, 3600);
    expect(report.total).toMatchObject({ calls: 7, ok: 1, toolErrors: 2, protocolErrors: 4, errors: 6, unanswered: 0 });
  });

  it("a multi-round-trip call counts once, with its final outcome; an unanswered question is not a call", async () => {
    const t = await createTenant("free", { documents: ["Confirmed", "Vanishes", "Never answered"] });
    const [confirmed, vanishes, unanswered] = t.documentIds as [string, string, string];
    const call = (id: string, retry: Record<string, unknown> = {}) =>
      statelessCall(t.apiKey, { name: "delete_document", arguments: { id }, ...retry }, ELICITATION);

    // Asked; edited meanwhile, so the answer is asked again; confirmed, deleted: three legs, one call, ok.
    const ask1 = await call(confirmed);
    expect(ask1.body.result.resultType).toBe("input_required");
    await admin`update public.documents set title = 'Confirmed, renamed' where id = ${confirmed}`;
    const again = await call(confirmed, { inputResponses: ACCEPT, requestState: ask1.body.result.requestState });
    expect(again.body.result.resultType).toBe("input_required");
    const done1 = await call(confirmed, { inputResponses: ACCEPT, requestState: again.body.result.requestState });
    expect(done1.body.result.structuredContent).toMatchObject({ deleted: true });
    // Asked, then the document disappears before the answer: one call, whose outcome is the final tool error.
    const ask2 = await call(vanishes);
    await admin`delete from public.documents where id = ${vanishes}`;
    const done2 = await call(vanishes, { inputResponses: ACCEPT, requestState: ask2.body.result.requestState });
    expect(done2.body.result.isError).toBe(true);
    // Asked and never answered.
    expect((await call(unanswered)).body.result.resultType).toBe("input_required");

    const rows = await auditRows(t.id);
    expect(rows).toHaveLength(6);
    const legs = (status: string) => rows.filter((r) => r.status === status);
    expect(legs("input_required")).toHaveLength(4);
    const [okLeg] = legs("ok");
    const [errLeg] = legs("tool_error");
    expect(okLeg?.call_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(errLeg?.call_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(okLeg?.call_id).not.toBe(errLeg?.call_id);
    // Each final leg shares its link with its questions; the unanswered question has a link of its own.
    const questionLinks = legs("input_required").map((r) => r.call_id);
    expect(questionLinks.filter((id) => id === okLeg?.call_id)).toHaveLength(2);
    expect(questionLinks.filter((id) => id === errLeg?.call_id)).toHaveLength(1);
    expect(new Set(questionLinks).size).toBe(3);
    // The link rides inside the sealed state, and a question asked again keeps it.
    const sealedCall = (state: string): unknown =>
      JSON.parse(atob(state.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))).p.call;
    expect(sealedCall(ask1.body.result.requestState)).toBe(okLeg?.call_id);
    expect(sealedCall(again.body.result.requestState)).toBe(okLeg?.call_id);

    const report = await usage(deps, t.slug, 3600);
    expect(report.tools).toEqual([
      {
        tool: "delete_document",
        calls: 2,
        ok: 1,
        toolErrors: 1,
        protocolErrors: 0,
        errors: 1,
        unanswered: 1,
        p50Ms: expect.any(Number),
        p95Ms: expect.any(Number),
      },
    ]);
    expect(report.total).toMatchObject({ calls: 2, ok: 1, toolErrors: 1, protocolErrors: 0, errors: 1, unanswered: 1 });
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

  it("a row names the principal's credential and the session it was given, and lands in the principal's tenant only", async () => {
    const [t, other] = await Promise.all([adminTenant("pro"), adminTenant("pro")]);
    const principal = await principalOf(t.apiKey);
    expect(principal).toEqual({
      tenant: expect.objectContaining({ id: t.id, slug: t.slug }),
      credential: { kind: "api_key", id: t.keyId },
      scopes: ["mcp:read", "mcp:write"],
    });
    const pending: Promise<unknown>[] = [];
    const sessionId = "s".repeat(32);
    const log = createLogger({ request_id: "req-audit-principal" }, () => {});
    const audit = createAuditSink(
      {
        sql: neon(cloud.appDatabaseUrl),
        shards,
        config: loadConfig(env),
        requestId: "req-audit-principal",
        fields: {},
        waitUntil: (p) => void pending.push(p),
        log,
      },
      principal,
      sessionId,
    );
    audit({ tool: "list_workspaces", outcome: "ok", startedAt: 1_700_000_000_000, durationMs: 3.4 });
    await Promise.all(pending);
    const rows = await auditRows(t.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tenant_id: t.id,
      key_id: t.keyId,
      session_id: sessionId,
      request_id: "req-audit-principal",
      tool: "list_workspaces",
      status: "ok",
      call_id: null,
      duration_ms: 3,
    });
    expect(await auditRows(other.id)).toHaveLength(0);
  });

  it("a failed write is logged with the row and never changes the answer on its way out", async () => {
    const t = await adminTenant("free");
    const lines: string[] = [];
    const pending: Promise<unknown>[] = [];
    // A Redis that refuses every token: the row cannot even be queued.
    const broken = new Redis({ url: cloud.upstashUrl, token: "wrong-token", enableTelemetry: false, retry: false });
    const log = createLogger({ request_id: "req-audit-fail" }, (line) => lines.push(line));
    const audit = createAuditSink(
      {
        sql: neon(cloud.appDatabaseUrl),
        shards: singleShard(broken),
        config: loadConfig(env),
        requestId: "req-audit-fail",
        fields: {},
        waitUntil: (p) => void pending.push(p),
        log,
      },
      await principalOf(t.apiKey),
      null,
    );
    const call = {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "get_document", arguments: { id: crypto.randomUUID() } },
    };
    const recorder = toolCallRecorder(call, { audit, now: () => 1_700_000_000_000 });
    const sent: unknown[] = [];
    const transport = recorder!.watch({ send: async (m: unknown, o?: unknown) => void sent.push([m, o]) });
    const progress = { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } };
    const reply = {
      jsonrpc: "2.0",
      id: 7,
      result: { content: [{ type: "text", text: "Document not found." }], isError: true },
    };
    await transport.send(progress as never, { relatedRequestId: 7 } as never);
    await transport.send(reply as never);
    expect(sent).toEqual([
      [progress, { relatedRequestId: 7 }],
      [reply, undefined],
    ]);
    expect(sent[1]).toEqual([reply, undefined]);

    await Promise.all(pending); // the sink swallows the failure: nothing rejects
    expect(pending).toHaveLength(1); // one row: the notification is not an answer
    const failures = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === "audit row append failed");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      level: "error",
      request_id: "req-audit-fail",
      audit: { tool: "get_document", status: "tool_error", call_id: null, key_id: t.keyId, duration_ms: 0 },
    });
    expect(await auditRows(t.id)).toHaveLength(0);
    // A name that is no valid tool name is not written as sent (the operator reads it in a terminal).
    const named: string[] = [];
    const capture = (name: unknown): void => {
      const r = toolCallRecorder(
        { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name } },
        { audit: (c) => void named.push(c.tool), now: Date.now },
      );
      void r!
        .watch({ send: async (_m: unknown) => {} })
        .send({ jsonrpc: "2.0", id: 9, error: { code: -32602, message: "x" } } as never);
    };
    for (const name of ["no_such.tool-1", "\u001b[2Jevil", "", "x".repeat(129), 42, undefined]) capture(name);
    expect(named).toEqual(["no_such.tool-1", ...Array(5).fill("(invalid name)")]);
    // Anything but a tools/call request is not audited at all.
    expect(toolCallRecorder({ jsonrpc: "2.0", id: 8, method: "tools/list" }, { audit, now: Date.now })).toBeUndefined();
    expect(
      toolCallRecorder({ jsonrpc: "2.0", method: "tools/call", params: { name: "x" } }, { audit, now: Date.now }),
    ).toBeUndefined();
  });
});
