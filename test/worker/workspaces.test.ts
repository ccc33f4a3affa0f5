// Workspace management (create_workspace, update_workspace, archiving, list_workspaces) from the attacker's side:
// another tenant's ids and names, malformed names, and bursts against the per-tenant cap. The handlers run with the
// Worker's real data path (tenantData: the Worker's role, RLS, the tenant's location), then through both protocol lanes
// with real SDK clients; all of it for tenants on each isolation tier.
import { neonConfig } from "@neondatabase/serverless";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.ts";
import { effectiveFeatures, type TenantContext } from "../../src/tenancy/tenant.ts";
import { workspaceLimitMessage } from "../../src/tools/core/create-workspace.ts";
import { Messages } from "../../src/tools/result.ts";
import { findTool } from "../../src/tools/registry.ts";
import type { Tool, ToolContext, ToolResult } from "../../src/tools/types.ts";
import { connectClient, createTenant, type TestTenant } from "./support/fixtures.ts";
import { connectStatelessClient } from "./support/stateless.ts";
import { tenantDataOf, TIERS, tierLacks } from "./support/tiers.ts";

// Counts this isolate's Neon HTTP requests (the fixtures set the endpoint). The Worker under test runs in this isolate
// and sets the driver's fetch function itself on its first request (src/db/client.ts), so a test that counts installs
// the counter again first.
let fetches = 0;
function countFetches(): void {
  neonConfig.fetchFunction = (input: RequestInfo | URL, init?: RequestInit) => {
    fetches++;
    return fetch(input, init);
  };
}

function ctxOf(t: TestTenant, maxWorkspacesPerTenant = 100): ToolContext {
  const tenant: TenantContext = {
    id: t.id,
    slug: t.slug,
    name: t.slug,
    plan: t.plan,
    features: effectiveFeatures(t.plan, [], []),
    rateLimitPerMinute: 1000,
    status: "active",
    config: {},
    data: t.placement.data,
    dataMoving: false,
  };
  return {
    tenant,
    db: tenantDataOf(tenant),
    log: createLogger({}, () => {}),
    requestId: "req-ws",
    signal: new AbortController().signal,
    progress: async () => {},
    limits: { maxWorkspacesPerTenant, dbTimeoutMs: 10_000 },
  };
}

/** Parses and runs a tool as a lane does; a parse failure is returned as the lane's error text. */
async function call(name: string, args: unknown, ctx: ToolContext): Promise<ToolResult> {
  const tool = findTool(name) as Tool;
  const parsed = tool.parse(args);
  if (!parsed.success) return { isError: true, content: [{ type: "text", text: parsed.error }] };
  return tool.handler(parsed.data, ctx);
}

type Ws = { id: string; name: string; archived_at: string | null; document_count: number };

function ok<T = { workspace: Ws }>(result: ToolResult): T {
  expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
  return result.structuredContent as T;
}

const unique = (p: string): string => `${p} ${crypto.randomUUID().slice(0, 8)}`;

describe.each(TIERS)("a tenant on the %s tier", (tier) => {
  const lacks = tierLacks(tier);

  let A: TestTenant;
  let B: TestTenant;
  beforeAll(async () => {
    if (lacks) return;
    [A, B] = await Promise.all([createTenant("free", { tier }), createTenant("free", { tier })]);
  });
  beforeEach((ctx) => {
    if (lacks) ctx.skip(lacks);
  });

  describe("create_workspace", () => {
    it("creates a workspace in the caller's tenant, trimmed, empty, and listed", async () => {
      const name = unique("Research");
      const { workspace } = ok(await call("create_workspace", { name: `  ${name}\t` }, ctxOf(A)));
      expect(workspace).toMatchObject({ name, archived_at: null, document_count: 0 });
      const [row] = await A.placement.admin.query("select tenant_id::text, name from workspaces where id = $1", [
        workspace.id,
      ]);
      expect(row).toEqual({ tenant_id: A.id, name });
      const listed = ok<{ workspaces: Ws[] }>(await call("list_workspaces", {}, ctxOf(A))).workspaces;
      expect(listed.map((w) => w.id)).toEqual([A.workspaceId, workspace.id]);
      // B sees none of it, and cannot write into it: the same answer as for an id that exists nowhere.
      const theirs = ok<{ workspaces: Ws[] }>(
        await call("list_workspaces", { include_archived: true }, ctxOf(B)),
      ).workspaces;
      expect(theirs.map((w) => w.id)).toEqual([B.workspaceId]);
      const intoA = await call("create_document", { workspace_id: workspace.id, title: "x", body: "y" }, ctxOf(B));
      const intoNothing = await call(
        "create_document",
        { workspace_id: crypto.randomUUID(), title: "x", body: "y" },
        ctxOf(B),
      );
      expect(intoA).toEqual({ isError: true, content: [{ type: "text", text: Messages.workspaceNotFound }] });
      expect(JSON.stringify(intoNothing)).toBe(JSON.stringify(intoA));
    });

    it("a duplicate name in the same tenant is a clear error, ignoring case; the same name in another tenant is fine", async () => {
      const name = unique("Shared Name");
      ok(await call("create_workspace", { name }, ctxOf(A)));
      for (const again of [name, name.toUpperCase(), ` ${name.toLowerCase()} `]) {
        expect(await call("create_workspace", { name: again }, ctxOf(A))).toEqual({
          isError: true,
          content: [{ type: "text", text: Messages.workspaceNameTaken }],
        });
      }
      expect(ok(await call("create_workspace", { name }, ctxOf(B))).workspace.name).toBe(name);
      for (const t of [A, B]) {
        const [n] = await t.placement.admin.query(
          "select count(*)::int as n from workspaces where tenant_id = $1 and lower(name) = lower($2)",
          [t.id, name],
        );
        expect(n?.n).toBe(1);
      }
    });

    it("refuses empty, overlong and control or bidi-override names before any query; allows any script and emoji", async () => {
      const bad = [
        "",
        "   ",
        "x".repeat(101),
        "two\nlines",
        "tab\there",
        "nul\u0000",
        "bell\u0007",
        "c1\u0085x",
        "l\u2028s",
        "evil\u202Egnp.exe",
        "iso\u2066x\u2069",
      ];
      for (const name of bad) {
        const result = await call("create_workspace", { name }, ctxOf(A));
        expect(result.isError, JSON.stringify(name)).toBe(true);
        expect(result.content[0]).toMatchObject({
          type: "text",
          text: expect.stringMatching(/^Invalid arguments: name: /),
        });
      }
      for (const name of [
        "x".repeat(100),
        `Équipe ${crypto.randomUUID().slice(0, 4)} — 研究 🧑‍💻`,
        unique("O'Brien; drop table workspaces; --"),
      ]) {
        expect(ok(await call("create_workspace", { name }, ctxOf(B))).workspace.name).toBe(name.trim());
      }
      const [count] = await A.placement.admin.query(
        "select count(*)::int as n from workspaces where tenant_id = $1 and name ~ '[\\u0001-\\u001f]'",
        [A.id],
      );
      expect(count?.n).toBe(0);
    });

    it("the database enforces the same name rules for the Worker's role, whatever the tool does", async () => {
      const db = tenantDataOf({ id: A.id, data: A.placement.data });
      for (const name of ["", " padded ", "x".repeat(101), "a\u0001b", "rtl\u202Eoverride"]) {
        await expect(
          db.query("insert into workspaces (name) values ($1)", [name]),
          JSON.stringify(name),
        ).rejects.toMatchObject({ code: "23514" });
      }
    });

    it("stops at the per-tenant cap, exactly, even under a burst of concurrent creates", async () => {
      // Each already has its "Main" workspace.
      const [t, u] = await Promise.all([createTenant("free", { tier }), createTenant("free", { tier })]);
      const cap = 5;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => call("create_workspace", { name: `Burst ${i}` }, ctxOf(t, cap))),
      );
      expect(results.filter((r) => !r.isError)).toHaveLength(cap - 1);
      for (const r of results.filter((x) => x.isError)) {
        expect(r.content).toEqual([{ type: "text", text: workspaceLimitMessage(cap) }]);
      }
      const [row] = await t.placement.admin.query("select count(*)::int as n from workspaces where tenant_id = $1", [
        t.id,
      ]);
      expect(row?.n).toBe(cap);
      // Archived workspaces still take space, so they still count.
      const first = ok<{ workspaces: Ws[] }>(await call("list_workspaces", {}, ctxOf(t))).workspaces[1] as Ws;
      ok(await call("update_workspace", { id: first.id, archived: true }, ctxOf(t, cap)));
      expect((await call("create_workspace", { name: "One more" }, ctxOf(t, cap))).isError).toBe(true);
      // Another tenant is not affected by this tenant's count.
      expect((await call("create_workspace", { name: "Burst 0" }, ctxOf(u, cap))).isError ?? false).toBe(false);
    });
  });

  describe("update_workspace", () => {
    it("renaming or archiving another tenant's workspace looks exactly like a workspace that does not exist", async () => {
      const snapshot = "select name, archived_at from workspaces where id = $1";
      const before = await A.placement.admin.query(snapshot, [A.workspaceId]);
      const random = crypto.randomUUID();
      for (const change of [{ name: "pwned" }, { archived: true }, { name: "pwned", archived: false }]) {
        const theirs = await call("update_workspace", { id: A.workspaceId, ...change }, ctxOf(B));
        const nobodys = await call("update_workspace", { id: random, ...change }, ctxOf(B));
        expect(theirs).toEqual({ isError: true, content: [{ type: "text", text: Messages.workspaceNotFound }] });
        expect(JSON.stringify(nobodys)).toBe(JSON.stringify(theirs));
      }
      // Even a name A uses gives "not found", never "name taken": B learns nothing about A's names.
      const aName = String(before[0]?.name);
      expect(await call("update_workspace", { id: A.workspaceId, name: aName }, ctxOf(B))).toEqual({
        isError: true,
        content: [{ type: "text", text: Messages.workspaceNotFound }],
      });
      expect(await A.placement.admin.query(snapshot, [A.workspaceId])).toEqual(before);
    });

    it("renames; a name another own workspace has is a clear error; a change of case of its own name is fine", async () => {
      const one = ok(await call("create_workspace", { name: unique("One") }, ctxOf(A))).workspace;
      const two = ok(await call("create_workspace", { name: unique("Two") }, ctxOf(A))).workspace;
      expect(await call("update_workspace", { id: two.id, name: one.name.toUpperCase() }, ctxOf(A))).toEqual({
        isError: true,
        content: [{ type: "text", text: Messages.workspaceNameTaken }],
      });
      expect(
        ok(await call("update_workspace", { id: one.id, name: one.name.toUpperCase() }, ctxOf(A))).workspace.name,
      ).toBe(one.name.toUpperCase());
      const renamed = unique("Renamed");
      expect(ok(await call("update_workspace", { id: two.id, name: renamed }, ctxOf(A))).workspace).toMatchObject({
        id: two.id,
        name: renamed,
      });
      expect((await call("update_workspace", { id: two.id }, ctxOf(A))).content[0]).toMatchObject({
        text: "Invalid arguments: Give name, archived or both",
      });
      expect((await call("update_workspace", { id: two.id, name: "a\nb" }, ctxOf(A))).isError).toBe(true);
    });

    it("archiving hides a workspace from list_workspaces and refuses new documents; restoring undoes both", async () => {
      const ws = ok(await call("create_workspace", { name: unique("Archive me") }, ctxOf(A))).workspace;
      const doc = ok<{ document: { id: string } }>(
        await call("create_document", { workspace_id: ws.id, title: "kept", body: "b" }, ctxOf(A)),
      ).document;

      const archived = ok(await call("update_workspace", { id: ws.id, archived: true }, ctxOf(A))).workspace;
      expect(archived.archived_at).not.toBeNull();
      // Archiving again keeps the first time (idempotent).
      expect(ok(await call("update_workspace", { id: ws.id, archived: true }, ctxOf(A))).workspace.archived_at).toBe(
        archived.archived_at,
      );

      const visible = ok<{ workspaces: Ws[] }>(await call("list_workspaces", {}, ctxOf(A))).workspaces;
      expect(visible.map((w) => w.id)).not.toContain(ws.id);
      const all = ok<{ workspaces: Ws[] }>(
        await call("list_workspaces", { include_archived: true }, ctxOf(A)),
      ).workspaces;
      expect(all.find((w) => w.id === ws.id)).toMatchObject({ archived_at: archived.archived_at, document_count: 1 });

      expect(await call("create_document", { workspace_id: ws.id, title: "new", body: "" }, ctxOf(A))).toEqual({
        isError: true,
        content: [{ type: "text", text: Messages.workspaceArchived }],
      });
      // B trying the same archived workspace hears "not found", not "archived".
      expect(
        (await call("create_document", { workspace_id: ws.id, title: "new", body: "" }, ctxOf(B))).content,
      ).toEqual([{ type: "text", text: Messages.workspaceNotFound }]);
      // Its documents stay readable and editable.
      expect(
        ok<{ document: { title: string } }>(await call("get_document", { id: doc.id }, ctxOf(A))).document.title,
      ).toBe("kept");
      ok<unknown>(await call("update_document", { id: doc.id, title: "edited" }, ctxOf(A)));

      expect(
        ok(await call("update_workspace", { id: ws.id, archived: false }, ctxOf(A))).workspace.archived_at,
      ).toBeNull();
      ok<unknown>(await call("create_document", { workspace_id: ws.id, title: "new", body: "" }, ctxOf(A)));
    });
  });

  describe("cost", () => {
    it("each workspace tool, and create_document with its archived check, is one Neon HTTP request", async () => {
      const t = await createTenant("free", { tier });
      const ctx = ctxOf(t);
      const steps: [string, () => unknown][] = [
        ["create_workspace", () => ({ name: "Counted" })],
        ["update_workspace", () => ({ id: t.workspaceId, name: "Renamed", archived: false })],
        ["list_workspaces", () => ({ include_archived: true })],
        ["create_document", () => ({ workspace_id: t.workspaceId, title: "x", body: "" })],
      ];
      countFetches();
      for (const [name, args] of steps) {
        const before = fetches;
        ok<unknown>(await call(name, args(), ctx));
        expect(fetches - before, name).toBe(1);
      }
    });
  });

  describe("both protocol lanes", () => {
    it("session lane (SDK v1): create_workspace, then a document in it, then archive", async () => {
      const t = await createTenant("free", { tier });
      const { client } = await connectClient(t.apiKey);
      try {
        const name = unique("Session");
        const created = await client.callTool({ name: "create_workspace", arguments: { name } });
        const ws = (created.structuredContent as { workspace: Ws }).workspace;
        expect(ws).toMatchObject({ name, archived_at: null, document_count: 0 });
        const doc = await client.callTool({
          name: "create_document",
          arguments: { workspace_id: ws.id, title: "Hello", body: "world" },
        });
        expect(doc.isError ?? false).toBe(false);
        const dup = await client.callTool({ name: "create_workspace", arguments: { name } });
        expect(dup).toMatchObject({ isError: true, content: [{ type: "text", text: Messages.workspaceNameTaken }] });
        const archived = await client.callTool({ name: "update_workspace", arguments: { id: ws.id, archived: true } });
        expect((archived.structuredContent as { workspace: Ws }).workspace.archived_at).not.toBeNull();
        const theirs = await client.callTool({
          name: "update_workspace",
          arguments: { id: A.workspaceId, name: "pwned" },
        });
        expect(theirs).toMatchObject({ isError: true, content: [{ type: "text", text: Messages.workspaceNotFound }] });
      } finally {
        await client.close();
      }
    });

    it("stateless lane (SDK v2, 2026-07-28): the same tools, the same answers", async () => {
      const t = await createTenant("free", { tier });
      const { client } = await connectStatelessClient(t.apiKey);
      try {
        const name = unique("Stateless");
        const created = await client.callTool({ name: "create_workspace", arguments: { name } });
        const ws = (created.structuredContent as { workspace: Ws }).workspace;
        expect(ws).toMatchObject({ name, archived_at: null, document_count: 0 });
        const doc = await client.callTool({
          name: "create_document",
          arguments: { workspace_id: ws.id, title: "Hello", body: "world" },
        });
        expect(doc.isError ?? false).toBe(false);
        const dup = await client.callTool({ name: "create_workspace", arguments: { name: name.toLowerCase() } });
        expect(dup).toMatchObject({ isError: true, content: [{ type: "text", text: Messages.workspaceNameTaken }] });
        const renamed = await client.callTool({
          name: "update_workspace",
          arguments: { id: ws.id, name: `${name} 2` },
        });
        expect((renamed.structuredContent as { workspace: Ws }).workspace).toMatchObject({
          name: `${name} 2`,
          document_count: 1,
        });
        const theirs = await client.callTool({
          name: "update_workspace",
          arguments: { id: A.workspaceId, archived: true },
        });
        expect(theirs).toMatchObject({ isError: true, content: [{ type: "text", text: Messages.workspaceNotFound }] });
        const listed = await client.callTool({ name: "list_workspaces", arguments: {} });
        expect((listed.structuredContent as { workspaces: Ws[] }).workspaces.map((w) => w.id)).toEqual([
          t.workspaceId,
          ws.id,
        ]);
      } finally {
        await client.close();
      }
    });
  });
});
