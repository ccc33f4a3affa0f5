// Text Postgres cannot store (NUL, unpaired surrogates) in any tool's string input: refused with a validation message
// before it reaches the database, in both protocol lanes, and never logged at error level. A database error of that
// class (22021, 22P05) that gets through anyway is a client error, not "Internal error".
import { neon } from "@neondatabase/serverless";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTenantDb, TenantDbError } from "../../src/db/tenant-db.ts";
import { createLogger } from "../../src/log/logger.ts";
import { defineTool } from "../../src/tools/define.ts";
import { publicFailure } from "../../src/tools/failure.ts";
import { z } from "zod";
import { adminTenant, logLines, settledClient, settledStatelessCall } from "./admin-support.ts";
import { admin, cloud } from "./support/fixtures.ts";
import { replyOf } from "./support/stateless.ts";

let tenant: { id: string; apiKey: string; keyId: string };
let workspaceId: string;
beforeAll(async () => {
  tenant = await adminTenant("enterprise");
  workspaceId = crypto.randomUUID();
  await admin`insert into public.workspaces (tenant_id, id, name) values (${tenant.id}, ${workspaceId}, 'Main')`;
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Calls that carry text Postgres cannot store, in several tools and argument positions. */
const bad = (): { name: string; args: Record<string, unknown>; field: string }[] => [
  { name: "search_documents", args: { query: "\u0000zebra" }, field: "query" },
  { name: "create_document", args: { workspace_id: workspaceId, title: "t\u0000", body: "b" }, field: "title" },
  {
    name: "create_document",
    args: { workspace_id: workspaceId, title: "t", body: "lone \ud800 surrogate" },
    field: "body",
  },
  { name: "list_documents", args: { workspace_id: workspaceId, cursor: "abc\u0000" }, field: "cursor" },
];

/** The Worker's log lines (parsed) written while `run` runs. */
async function documentCount(): Promise<number> {
  const [row] = await admin`select count(*)::int as n from public.documents where tenant_id = ${tenant.id}`;
  return (row as { n: number }).n;
}

function expectValidationMessage(text: string, field: string): void {
  expect(text).toMatch(/^Invalid arguments: /);
  expect(text).toContain(`${field}: `);
  expect(text).toMatch(/NUL|unpaired surrogate/);
  expect(text).not.toMatch(/Internal error/);
}

describe("unstorable text in tool arguments", () => {
  it("session lane: a validation message, nothing written, no error-level log line", async () => {
    const client = await settledClient(tenant.apiKey);
    const before = await documentCount();
    for (const c of bad()) {
      let result: Awaited<ReturnType<typeof client.callTool>> | undefined;
      const lines = await logLines(async () => {
        result = await client.callTool({ name: c.name, arguments: c.args });
      });
      expect(result?.isError, c.name).toBe(true);
      expectValidationMessage((result?.content as { text: string }[])[0]!.text, c.field);
      expect(
        lines.filter((l) => l.level === "error"),
        `${c.name}: ${JSON.stringify(lines)}`,
      ).toEqual([]);
    }
    expect(await documentCount()).toBe(before);
    await client.close();
  });

  it("2026-07-28 stateless lane: a validation message, nothing written, no error-level log line", async () => {
    const before = await documentCount();
    for (const c of bad()) {
      let res: Response | undefined;
      const lines = await logLines(async () => {
        res = await settledStatelessCall(tenant.apiKey, c.name, c.args);
      });
      expect(res!.status).toBe(200);
      const reply = await replyOf(res!);
      expect(reply.result?.isError, c.name).toBe(true);
      expectValidationMessage(reply.result.content[0].text, c.field);
      expect(
        lines.filter((l) => l.level === "error"),
        `${c.name}: ${JSON.stringify(lines)}`,
      ).toEqual([]);
    }
    expect(await documentCount()).toBe(before);
  });

  it("applies to every string of every tool, nested ones and object keys included (one central check)", () => {
    const tool = defineTool({
      name: "nested_probe",
      title: "t",
      description: "d",
      feature: "core",
      input: z.object({ items: z.array(z.object({ tags: z.record(z.string(), z.string()) })) }),
      annotations: {},
      handler: async () => ({ content: [] }),
    });
    expect(tool.parse({ items: [{ tags: { a: "ok" } }] }).success).toBe(true);
    const inValue = tool.parse({ items: [{ tags: { a: "x\u0000" } }] });
    expect(inValue).toMatchObject({ success: false, error: expect.stringContaining("items.0.tags.a: ") });
    const inKey = tool.parse({ items: [{ tags: { "k\u0000": "x" } }] });
    expect(inKey).toMatchObject({ success: false, error: expect.stringMatching(/items\.0\.tags: .*NUL/) });
    // Paired surrogates (emoji) are ordinary text.
    expect(tool.parse({ items: [{ tags: { a: "ok 🦓" } }] }).success).toBe(true);
  });
});

describe("backstop: Postgres refusing the text (22021, 22P05) is the client's error", () => {
  const db = (): ReturnType<typeof createTenantDb> => createTenantDb(neon(cloud.appDatabaseUrl), tenant.id);

  it.each([
    ["22021", "select $1::text as t", ["a\u0000b"]],
    ["22P05", `select '"a\\u0000b"'::jsonb as j`, []],
  ] as const)("%s -> a client message, logged below error level", async (code, text, params) => {
    const err = await db()
      .query(text, [...params])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(TenantDbError);
    expect((err as TenantDbError).code).toBe(code);

    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ request_id: "r-backstop" }, (l) => lines.push(JSON.parse(l)));
    const message = publicFailure(err, { log, requestId: "r-backstop", operation: "tool probe" });
    expect(message).not.toMatch(/Internal error/);
    expect(message).toMatch(/cannot be stored/);
    expect(lines.map((l) => l.level)).not.toContain("error");
    expect(lines[0]).toMatchObject({ pg_code: code });
  });
});
