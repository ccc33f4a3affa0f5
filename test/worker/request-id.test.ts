// The request id is the server's: a client that sends `X-Request-Id` cannot stamp its traffic with an id another
// tenant quoted to support. The client's value survives only as `client_request_id` in the log line.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ownerTransaction } from "../../src/control/owner-sql.ts";
import { adminTenant, deps, flushAuditQueue, logLines, settledStatelessCall } from "./admin-support.ts";
import { cloud } from "./support/fixtures.ts";

const VICTIM = "support-ticket-4711-victim";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let tenant: { id: string; apiKey: string };
beforeAll(async () => {
  tenant = await adminTenant("free");
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A 2026-07-28 tools/call through the Worker, waiting for its audit write; `headers` and `vars` are added. */
function callTool(
  name: string,
  args: Record<string, unknown>,
  headers: Record<string, string> = {},
  vars: Partial<Env> = {},
): Promise<Response> {
  return settledStatelessCall(tenant.apiKey, name, args, headers, vars);
}

async function auditRequestIds(tenantId: string): Promise<string[]> {
  await flushAuditQueue([tenantId]);
  const { results } = await ownerTransaction(deps.sql, { tenantId }, [
    { text: "select request_id from public.audit_log order by called_at" },
  ]);
  return (results[0] ?? []).map((r) => String((r as { request_id: string }).request_id));
}

describe("X-Request-Id from the client", () => {
  it("is not the response's request id, nor the log line's, nor the audit row's", async () => {
    let res: Response | undefined;
    const lines = await logLines(async () => {
      res = await callTool("list_workspaces", {}, { "x-request-id": VICTIM });
    });
    expect(res!.status).toBe(200);
    const minted = res!.headers.get("x-request-id");
    expect(minted).toMatch(UUID);

    const line = lines.find((l) => l.msg === "request");
    expect(line).toMatchObject({ request_id: minted, client_request_id: VICTIM });
    expect(lines.every((l) => l.request_id === minted)).toBe(true);

    const ids = await auditRequestIds(tenant.id);
    expect(ids).toContain(minted);
    expect(ids).not.toContain(VICTIM);
  });

  it("is not the request id quoted in an error text", async () => {
    await callTool("list_workspaces", {}); // the key lookup is cached from here on: the broken database meets the tool only
    const broken = cloud.appDatabaseUrl.replace(/\/[^/]*$/, "/no_such_database");
    const res = await callTool("list_workspaces", {}, { "x-request-id": VICTIM }, { DATABASE_URL: broken });
    const minted = res.headers.get("x-request-id");
    expect(minted).toMatch(UUID);
    const text = await res.text();
    expect(text).toContain(`Internal error (request ${minted})`);
    expect(text).not.toContain(VICTIM);
  });

  it("an unusable client id (too long, odd characters) is dropped, not logged", async () => {
    for (const sent of ["x".repeat(200), 'ticket" {"level":"error"}']) {
      const lines = await logLines(() => callTool("list_workspaces", {}, { "x-request-id": sent }));
      const line = lines.find((l) => l.msg === "request");
      expect(line?.request_id).toMatch(UUID);
      expect(line).not.toHaveProperty("client_request_id");
    }
  });
});

describe("TRUSTED_REQUEST_ID_HEADER", () => {
  it("takes the request id from the configured proxy header, never from X-Request-Id", async () => {
    const res = await callTool(
      "list_workspaces",
      {},
      { "x-request-id": VICTIM, "cf-ray": "8f1e2d3c4b5a6978-AMS" },
      { TRUSTED_REQUEST_ID_HEADER: "CF-Ray" },
    );
    expect(res.headers.get("x-request-id")).toBe("8f1e2d3c4b5a6978-AMS");
  });

  it("falls back to a minted id when the proxy header is missing or malformed", async () => {
    for (const headers of [{ "x-request-id": VICTIM }, { "cf-ray": "bad id with spaces" }] as Record<
      string,
      string
    >[]) {
      const res = await callTool("list_workspaces", {}, headers, { TRUSTED_REQUEST_ID_HEADER: "cf-ray" });
      expect(res.headers.get("x-request-id")).toMatch(UUID);
    }
  });
});
